// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockERC1271Wallet
/// @notice Test double of a contract wallet (a Safe, say): accepts a digest signed by its owner key, unless
/// switched off, and can cancel its own orders in the market.
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

    /// @dev Forwards `data` to `target` (e.g. the market's cancelOrder): the wallet acting for itself.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == _owner, "not owner");
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        if (_accepting && error == ECDSA.RecoverError.NoError && signer == _owner) return this.isValidSignature.selector;
        return 0xffffffff;
    }
}
