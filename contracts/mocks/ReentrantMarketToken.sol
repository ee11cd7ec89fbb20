// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantMarketToken
/// @notice Test double: an ERC-20 that, when armed, calls back into a target (e.g. the market's withdraw or
/// deposit) from inside every transfer, to prove that re-entrancy is refused.
contract ReentrantMarketToken is ERC20 {
    address private _target;
    bytes private _payload;

    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the token: the next transfer calls `target` with `payload` and bubbles up its revert.
    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = _target;
        if (target != address(0)) {
            _target = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory data) = target.call(_payload);
            if (!ok) {
                // solhint-disable-next-line no-inline-assembly
                assembly ("memory-safe") {
                    revert(add(data, 32), mload(data))
                }
            }
        }
    }
}
