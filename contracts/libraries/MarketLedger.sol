// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Panic} from "@openzeppelin/contracts/utils/Panic.sol";

import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";

/// @title MarketLedger
/// @notice The market's internal ledger: account ids and one word of free and locked balance and signed-order
/// nonce per account.
/// @dev Every balance or lock change goes through `update` (or `lockWithNonce`, the same arithmetic plus the
/// nonce), the one choke point `_balanced`. Invariant (with the market's escrow): the token balance >= the sum
/// of free + locked balances + escrowed. The nonce shares the balance word so that a signed order's replay
/// check costs no storage access of its own (the lock writes the word anyway).
library MarketLedger {
    /// @dev Largest free or locked balance (112 bits: locks are < 2^48 Wh x 2^64 per Wh = 2^112 already).
    uint256 internal constant MAX_BALANCE = type(uint112).max;
    /// @dev The nonce field of a ledger word.
    uint256 private constant _NONCE_MASK = type(uint32).max;

    /// @dev The ledger's storage. Its fields keep the order (and so the slots) the market's former state
    /// variables had: the three mappings, then the count. The grid operator's account id is the market's
    /// (a schedule, snapshotted in each slot's book word).
    struct State {
        mapping(address account => uint32 id) idOf;
        mapping(uint32 id => address account) accountAt;
        /// @dev Ledger word per account id:
        ///   255      144   143       32   31       0
        ///   | 112 free   |  112 locked  | 32 nonce  |
        /// `nonce` is the next signed-order nonce (see OrderRouter). Changed only through `_balanced` and
        /// `advanceNonce`.
        mapping(uint32 id => uint256 word) words;
        uint32 count;
    }

    /// @dev Gives `account` the next id (from 1: id 0 means "no account").
    function open(State storage self, address account) internal returns (uint32 id) {
        id = ++self.count;
        self.idOf[account] = id;
        self.accountAt[id] = account;
        emit IEnergyMarket.AccountOpened(account, id);
    }

    /// @dev The one place where an internal balance changes: free += freeIn - freeOut, locked += lockedIn -
    /// lockedOut. Reverts when free cannot pay freeOut; a locked underflow would be a bug (panics). The nonce
    /// is kept.
    function update(
        State storage self,
        uint32 id,
        uint256 freeIn,
        uint256 freeOut,
        uint256 lockedIn,
        uint256 lockedOut
    ) internal {
        uint256 word = self.words[id];
        self.words[id] =
            _balanced(self, id, word, freeIn, freeOut, lockedIn, lockedOut) | (word & _NONCE_MASK);
    }

    /// @dev Moves `lock` from free to locked and consumes the signed-order nonce `nonce` of `account` (id
    /// `id`): reverts with MarketNonceMismatch unless `nonce` is the account's next nonce (and not the last
    /// one, which is never usable so that the field cannot wrap).
    function lockWithNonce(
        State storage self,
        uint32 id,
        address account,
        uint256 lock,
        uint256 nonce
    ) internal {
        uint256 word = self.words[id];
        uint256 next = word & _NONCE_MASK;
        if (nonce != next || nonce == _NONCE_MASK)
            revert IEnergyMarket.MarketNonceMismatch(account, next, nonce);
        // nonce < 2^32 - 1: nonce + 1 fits the field.
        self.words[id] = _balanced(self, id, word, 0, lock, lock, 0) | (nonce + 1);
    }

    /// @dev Sets the next nonce of account `id` to `to` if it is `from` and `to` is ahead of it; returns whether
    /// it did.
    function advanceNonce(State storage self, uint32 id, uint256 from, uint256 to) internal returns (bool) {
        uint256 word = self.words[id];
        if ((word & _NONCE_MASK) != from || to <= from || to > _NONCE_MASK) return false;
        self.words[id] = (word & ~_NONCE_MASK) | to;
        return true;
    }

    /// @dev The free and locked balances of `account` (zero for an address without an account).
    function balanceOf(
        State storage self,
        address account
    ) internal view returns (uint256 free, uint256 locked) {
        uint256 word = self.words[self.idOf[account]];
        return (word >> 144, uint112(word >> 32));
    }

    /// @dev The next signed-order nonce of `account` (zero for an address without an account).
    function nonceOf(State storage self, address account) internal view returns (uint32) {
        return uint32(self.words[self.idOf[account]]);
    }

    /// @dev The balance fields of `word` (account `id`) after the change, with a zero nonce field.
    function _balanced(
        State storage self,
        uint32 id,
        uint256 word,
        uint256 freeIn,
        uint256 freeOut,
        uint256 lockedIn,
        uint256 lockedOut
    ) private view returns (uint256) {
        uint256 free = word >> 144;
        uint256 locked = uint112(word >> 32);
        // Unchecked: every amount is below 2^129 (balances < 2^112, locks < 2^112, payments < 2^128), so the
        // additions cannot overflow, and each subtraction is guarded by the comparison before it.
        unchecked {
            free += freeIn;
            if (free < freeOut) {
                revert IEnergyMarket.MarketInsufficientBalance(self.accountAt[id], word >> 144, freeOut);
            }
            free -= freeOut;
            locked += lockedIn;
            if (locked < lockedOut) Panic.panic(Panic.UNDER_OVERFLOW); // a lock released twice: a bug
            locked -= lockedOut;
        }
        if ((free | locked) > MAX_BALANCE) revert IEnergyMarket.MarketBalanceOverflow(self.accountAt[id]);
        return (free << 144) | (locked << 32);
    }
}
