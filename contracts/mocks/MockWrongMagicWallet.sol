// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MockWrongMagicWallet
/// @notice Test double of an ERC-1271 wallet that answers one 32-byte word which is not exactly the magic
/// value: `answer` (the magic with a dirty low byte, the magic right-aligned, 0xffffffff, ...).
contract MockWrongMagicWallet {
    bytes32 private immutable _answer;

    constructor(bytes32 answer) {
        _answer = answer;
    }

    /// @notice Returns the word `answer` whatever is asked.
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes32) {
        return _answer;
    }
}
