// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IGridStablecoin
/// @notice The testbed stablecoin ("gUSD", 6 decimals) that deployments and the simulation pay with by default.
/// A real deployment gives the market a real stablecoin's address instead.
interface IGridStablecoin is IERC20 {
    /// @notice Emitted after `account` drew `amount` base units from the faucet.
    event FaucetDrawn(address indexed account, uint256 amount);

    /// @notice Thrown when a faucet request exceeds what `account` may still draw today.
    error StablecoinFaucetLimit(address account, uint256 requested, uint256 remaining);
    /// @notice Thrown when an amount of zero is requested.
    error StablecoinZeroAmount();

    /// @notice Mints `amount` base units to `to`. Minter only (the operator's funding scripts).
    function mint(address to, uint256 amount) external;

    /// @notice Mints `amount` base units to the caller, at most `FAUCET_DAILY_LIMIT` per account per UTC day.
    function faucet(uint256 amount) external;

    /// @notice What `account` may still draw from the faucet today, base units.
    function faucetRemaining(address account) external view returns (uint256);
}
