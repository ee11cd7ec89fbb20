// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title MockReturnBombWallet
/// @notice Test double of a hostile ERC-1271 wallet that answers with `size` bytes starting with the magic
/// value (a returndata bomb: a caller copying all of it pays memory expansion quadratic in `size`).
contract MockReturnBombWallet {
    uint256 private immutable _size;

    constructor(uint256 size) {
        _size = size;
    }

    /// @notice Returns `size` bytes, the first word the ERC-1271 magic value, the rest zero.
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        uint256 size = _size;
        bytes4 magic = IERC1271.isValidSignature.selector;
        // A raw return is the only way to answer more than the declared 32 bytes.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, magic)
            return(0, size)
        }
    }
}
