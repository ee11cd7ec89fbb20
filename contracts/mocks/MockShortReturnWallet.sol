// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title MockShortReturnWallet
/// @notice Test double of an ERC-1271 wallet that answers fewer than 32 bytes: the 4 bytes of the magic value
/// alone (not an ABI-encoded bytes4, which is a full word).
contract MockShortReturnWallet {
    /// @notice Returns the 4 bytes of the magic value, unpadded.
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        bytes4 magic = IERC1271.isValidSignature.selector;
        // A raw return is the only way to answer fewer bytes than the declared word.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, magic)
            return(0, 4)
        }
    }
}
