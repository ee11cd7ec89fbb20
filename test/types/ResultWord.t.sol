// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ResultWord, ResultWordLibrary} from "../../contracts/types/ResultWord.sol";

contract ResultWordTest is Test {
    function testFuzz_resultRoundTrip(uint64 price, uint64 quantity) public pure {
        ResultWord result = ResultWordLibrary.pack(price, quantity);
        assertEq(result.price(), price);
        assertEq(result.quantityWh(), quantity);
    }
}
