// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockERC1271Wallet
/// @notice Test double of a contract wallet (a Safe, say): accepts a digest signed by its owner key, unless
/// switched off.
contract MockERC1271Wallet is IERC1271 {
    address private immutable _owner;
    bool private _accepting = true;

    constructor(address owner_) {
        _owner = owner_;
    }

    /// @dev Turns signature acceptance on or off (a revoked owner key).
    function setAccepting(bool accepting) external {
        _accepting = accepting;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        if (_accepting && error == ECDSA.RecoverError.NoError && signer == _owner)
            return this.isValidSignature.selector;
        return 0xffffffff;
    }
}
