// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Panic} from "@openzeppelin/contracts/utils/Panic.sol";

import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";

/// @title MarketLedger
/// @notice The market's internal ledger: account ids and one word of free and locked balance per account.
/// @dev Every balance or lock change goes through `update`, the one choke point. Invariant (with the
/// market's escrow): the token balance >= the sum of free + locked balances + escrowed.
library MarketLedger {
    /// @dev The ledger's storage. Its fields keep the order (and so the slots) the market's former state
    /// variables had: the three mappings, then one word with the count and the grid operator's account.
    struct State {
        mapping(address account => uint32 id) idOf;
        mapping(uint32 id => address account) accountAt;
        /// @dev Ledger word per account id: | 128 free | 128 locked |. Changed only by `update`.
        mapping(uint32 id => uint256 word) words;
        uint32 count;
        uint32 gridOperatorId;
        address gridOperatorAccount;
    }

    /// @dev Gives `account` the next id (from 1: id 0 means "no account").
    function open(State storage self, address account) internal returns (uint32 id) {
        id = ++self.count;
        self.idOf[account] = id;
        self.accountAt[id] = account;
        emit IEnergyMarket.AccountOpened(account, id);
    }

    /// @dev The one place where an internal balance changes: free += freeIn - freeOut, locked += lockedIn -
    /// lockedOut. Reverts when free cannot pay freeOut; a locked underflow would be a bug (panics).
    function update(
        State storage self,
        uint32 id,
        uint256 freeIn,
        uint256 freeOut,
        uint256 lockedIn,
        uint256 lockedOut
    ) internal {
        uint256 word = self.words[id];
        uint256 free = word >> 128;
        uint256 locked = uint128(word);
        // Unchecked: every amount is below 2^129 (balances < 2^128, locks < 2^112, payments < 2^128), so the
        // additions cannot overflow, and each subtraction is guarded by the comparison before it.
        unchecked {
            free += freeIn;
            if (free < freeOut) {
                revert IEnergyMarket.MarketInsufficientBalance(self.accountAt[id], word >> 128, freeOut);
            }
            free -= freeOut;
            locked += lockedIn;
            if (locked < lockedOut) Panic.panic(Panic.UNDER_OVERFLOW); // a lock released twice: a bug
            locked -= lockedOut;
        }
        if ((free | locked) > type(uint128).max)
            revert IEnergyMarket.MarketBalanceOverflow(self.accountAt[id]);
        self.words[id] = (free << 128) | locked;
    }

    /// @dev The free and locked balances of `account` (zero for an address without an account).
    function balanceOf(
        State storage self,
        address account
    ) internal view returns (uint256 free, uint256 locked) {
        uint256 word = self.words[self.idOf[account]];
        return (word >> 128, uint128(word));
    }
}
