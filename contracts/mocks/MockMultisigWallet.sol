// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockMultisigWallet
/// @notice Test double of a threshold multisig (a 2-of-3 Safe, say): accepts a digest signed by `threshold` of
/// its owners, the 65-byte signatures concatenated in ascending order of their signers. Its check is what an
/// honest but costly ERC-1271 wallet spends: an owner list in storage and one ECDSA recovery per signature.
contract MockMultisigWallet is IERC1271 {
    /// @notice Thrown at construction when the threshold is 0 or above the number of owners.
    error MultisigBadThreshold(uint256 threshold, uint256 owners);

    address[] private _owners;
    mapping(address account => bool) private _isOwner;
    uint256 private _threshold;

    constructor(address[] memory owners_, uint256 threshold_) {
        if (threshold_ == 0 || threshold_ > owners_.length)
            revert MultisigBadThreshold(threshold_, owners_.length);
        for (uint256 i; i < owners_.length; ++i) {
            _owners.push(owners_[i]);
            _isOwner[owners_[i]] = true;
        }
        _threshold = threshold_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        uint256 threshold = _threshold;
        if (signature.length != threshold * 65) return 0xffffffff;
        address previous;
        for (uint256 i; i < threshold; ++i) {
            (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(
                hash,
                signature[i * 65:(i + 1) * 65]
            );
            // Ascending signers: no owner counts twice.
            if (error != ECDSA.RecoverError.NoError || signer <= previous || !_isOwner[signer])
                return 0xffffffff;
            previous = signer;
        }
        return this.isValidSignature.selector;
    }
}
