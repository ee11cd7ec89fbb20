// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title MockSlowERC1271Wallet
/// @notice Test double of an honest ERC-1271 wallet whose check costs `burn` gas (a large multisig, say) and
/// then accepts every signature. Given less than `burn`, it answers no at once, as a wallet does whose nested
/// verifier ran out of gas: the starved check fails cheaply, leaving its caller the gas to go on.
contract MockSlowERC1271Wallet is IERC1271 {
    uint256 private immutable _burn;

    constructor(uint256 burn) {
        _burn = burn;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        if (gasleft() < _burn) return 0xffffffff;
        uint256 stop = gasleft() - _burn;
        uint256 sink;
        while (gasleft() > stop) sink = uint256(keccak256(abi.encode(sink)));
        return this.isValidSignature.selector;
    }
}
