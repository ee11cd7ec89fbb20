// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title MockGasBombWallet
/// @notice Test double of a hostile ERC-1271 wallet whose check burns all the gas it is given (a gas bomb).
contract MockGasBombWallet is IERC1271 {
    /// @inheritdoc IERC1271
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        uint256 sink;
        // The hash chain never reaches 1: the loop runs until the gas is gone. Were it to stop, it says yes.
        while (sink != 1) sink = uint256(keccak256(abi.encode(sink)));
        return IERC1271.isValidSignature.selector;
    }
}
