// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @title MockCertBaselineERC1155
/// @notice OpenZeppelin's plain ERC-1155 mint and burn, the baseline the certificates' gas is compared with.
contract MockCertBaselineERC1155 is ERC1155("") {
    /// @notice Mints without any check (benchmark only).
    function mint(address to, uint256 id, uint256 value) external {
        _mint(to, id, value, "");
    }

    /// @notice Burns the caller's tokens (benchmark only).
    function burn(uint256 id, uint256 value) external {
        _burn(msg.sender, id, value);
    }
}
