// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title MockRevertingWallet
/// @notice Test double of an ERC-1271 wallet whose check reverts, with a reason that starts with the magic
/// value (a caller must look at the call's success, not only at the data that came back).
contract MockRevertingWallet is IERC1271 {
    /// @notice Thrown by every check.
    error RevertingWalletRefused(bytes4 magic);

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        revert RevertingWalletRefused(IERC1271.isValidSignature.selector);
    }
}
