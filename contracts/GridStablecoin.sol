// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {IGridStablecoin} from "./interfaces/IGridStablecoin.sol";

/// @title GridStablecoin
/// @notice "GridLedger Testbed Dollar" (gUSD), 6 decimals: minted by the operator or drawn from a capped faucet.
/// @dev Testbed money only; it has no backing. Faucet usage per account: | 64 day | 192 drawn that day |.
contract GridStablecoin is IGridStablecoin, ERC20, AccessControl {
    /// @notice May mint any amount (funding scripts, simulation).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice Most an account may draw from the faucet per UTC day (and so per call): 1,000 gUSD.
    uint256 public constant FAUCET_DAILY_LIMIT = 1_000e6;

    mapping(address account => uint256 usage) private _faucetUsage;

    /// @param admin receives DEFAULT_ADMIN_ROLE and MINTER_ROLE
    constructor(address admin) ERC20("GridLedger Testbed Dollar", "gUSD") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @notice 6, like the common USD stablecoins.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @inheritdoc IGridStablecoin
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @inheritdoc IGridStablecoin
    function faucet(uint256 amount) external {
        if (amount == 0) revert StablecoinZeroAmount();
        uint256 remaining = faucetRemaining(msg.sender);
        if (amount > remaining) revert StablecoinFaucetLimit(msg.sender, amount, remaining);
        uint256 today = block.timestamp / 1 days;
        // drawn <= FAUCET_DAILY_LIMIT: fits far below 192 bits.
        _faucetUsage[msg.sender] = (today << 192) | (FAUCET_DAILY_LIMIT - remaining + amount);
        _mint(msg.sender, amount);
        emit FaucetDrawn(msg.sender, amount);
    }

    /// @inheritdoc IGridStablecoin
    function faucetRemaining(address account) public view returns (uint256) {
        uint256 usage = _faucetUsage[account];
        if (usage >> 192 != block.timestamp / 1 days) return FAUCET_DAILY_LIMIT;
        return FAUCET_DAILY_LIMIT - uint192(usage);
    }
}
