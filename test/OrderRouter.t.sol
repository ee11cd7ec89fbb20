// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

import {OrderRouter} from "../contracts/OrderRouter.sol";
import {IEnergyMarket} from "../contracts/interfaces/IEnergyMarket.sol";
import {IOrderRouter} from "../contracts/interfaces/IOrderRouter.sol";
import {MockERC1271Wallet} from "../contracts/mocks/MockERC1271Wallet.sol";
import {MockGasBombWallet} from "../contracts/mocks/MockGasBombWallet.sol";
import {MockMultisigWallet} from "../contracts/mocks/MockMultisigWallet.sol";
import {MockReturnBombWallet} from "../contracts/mocks/MockReturnBombWallet.sol";
import {MockRevertingWallet} from "../contracts/mocks/MockRevertingWallet.sol";
import {MockShortReturnWallet} from "../contracts/mocks/MockShortReturnWallet.sol";
import {MockSlowERC1271Wallet} from "../contracts/mocks/MockSlowERC1271Wallet.sol";
import {MockWrongMagicWallet} from "../contracts/mocks/MockWrongMagicWallet.sol";
import {OrderRouterTestBase} from "./OrderRouterBase.t.sol";

// The two wallets below live here (not in contracts/mocks) because they exist only for these tests.

/// @dev An ERC-1271 wallet that tries to re-enter the router and the market from isValidSignature (a
/// staticcall: every state change must fail), then accepts anyway.
/// Not an IERC1271 (whose function is view): it must be able to attempt state changes. Each attempt gets
/// REENTRY_GAS, so that the three fit in the router's ERC1271_GAS_STIPEND (a state change in a static
/// context consumes all the gas of its frame).
contract ReentrantWallet {
    uint256 internal constant REENTRY_GAS = 25_000;
    OrderRouter internal immutable _router;
    IOrderRouter.SignedOrder[] internal _replay;
    uint256 public reentriesThatSucceeded;

    constructor(OrderRouter router_) {
        _router = router_;
    }

    function arm(IOrderRouter.SignedOrder calldata signed) external {
        _replay.push(signed);
    }

    function isValidSignature(bytes32, bytes calldata) external returns (bytes4) {
        IOrderRouter.SignedOrder[] memory replay = _replay;
        // Each attempt must revert (state change in a static context); a success would be a hole.
        try _router.placeSignedOrders{gas: REENTRY_GAS}(replay) returns (uint256[] memory) {
            revert("re-entered placeSignedOrders");
        } catch {}
        try _router.invalidateNonces{gas: REENTRY_GAS}(7) {
            revert("re-entered invalidateNonces");
        } catch {}
        try IEnergyMarket(address(_router.market())).withdraw{gas: REENTRY_GAS}(1) {
            revert("re-entered withdraw");
        } catch {}
        return IERC1271.isValidSignature.selector;
    }
}

/// @dev An ERC-1271 wallet that says yes to every digest and every signature.
contract YesWallet is IERC1271 {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return this.isValidSignature.selector;
    }
}

/// @dev The ERC-1271 path of OrderRouter: honest wallets (one owner key, a multisig) place; hostile ones (gas
/// bomb, returndata bomb, revert, wrong or short answer) are skipped as unsigned at a cost bounded by the
/// stipend, without moving any nonce, and the rest of the batch goes in; a relayer sending too little gas
/// for a wallet's stipend gets RouterOutOfGas, never a starved, skipped wallet.
contract OrderRouterERC1271Test is OrderRouterTestBase {
    /// @dev What a hostile order may cost a batch beyond the wallet's stipend: the order's calldata and
    /// hash, the cold access to the wallet, the skip event (measured 7,800 with a gas bomb).
    uint256 internal constant SKIP_OVERHEAD = 12_000;

    MockERC1271Wallet internal ownerWallet;
    MockMultisigWallet internal multisig2;
    MockMultisigWallet internal multisig3;
    /// @dev The multisig owners' keys, in ascending order of their addresses (the order signatures go in).
    uint256[3] internal ownerKeys;

    function setUp() public {
        setUpRouter();
        ownerWallet = new MockERC1271Wallet(alice);
        address[] memory owners = new address[](3);
        for (uint256 i; i < 3; ++i) {
            ownerKeys[i] = uint256(keccak256(abi.encode("owner", i)));
            owners[i] = vm.addr(ownerKeys[i]);
        }
        // Insertion sort of three: ascending signer addresses.
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && owners[j] < owners[j - 1]; --j) {
                (owners[j], owners[j - 1]) = (owners[j - 1], owners[j]);
                (ownerKeys[j], ownerKeys[j - 1]) = (ownerKeys[j - 1], ownerKeys[j]);
            }
        }
        multisig2 = new MockMultisigWallet(owners, 2);
        multisig3 = new MockMultisigWallet(owners, 3);
        _wallet(address(ownerWallet));
        _wallet(address(multisig2));
        _wallet(address(multisig3));
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    /// @dev `count` owners' 65-byte signatures over `hash`, concatenated in ascending signer order.
    function _multisigSignature(bytes32 hash, uint256 count) internal view returns (bytes memory signature) {
        for (uint256 i; i < count; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKeys[i], hash);
            signature = abi.encodePacked(signature, r, s, v);
        }
    }

    function _walletOrder(
        address wallet,
        bytes memory signature
    ) internal view returns (IOrderRouter.SignedOrder memory) {
        return IOrderRouter.SignedOrder(_buy(wallet, 0), signature);
    }

    /// @dev Gas a relayer's `batch` costs, measured in a snapshot that is then dropped.
    function _gasOf(IOrderRouter.SignedOrder[] memory batch) internal returns (uint256 used) {
        uint256 snapshot = vm.snapshotState();
        uint256 start = gasleft();
        _relay(batch);
        used = start - gasleft();
        vm.revertToState(snapshot);
    }

    /// @dev `wallet`'s order, first in a batch with alice's honest one, is skipped with RouterInvalidSignature
    /// and consumes nothing; alice's is placed; the hostile order costs the batch at most the stipend and
    /// SKIP_OVERHEAD over alice's order alone.
    function _assertHostileWalletSkipped(address wallet) internal {
        _wallet(wallet);
        IOrderRouter.SignedOrder memory hostile = _walletOrder(wallet, hex"c0ffee");
        IOrderRouter.SignedOrder memory honest = _signed(aliceKey, _buy(alice, 0));
        uint256 honestAlone = _gasOf(_one(honest));
        bytes32 hostileHash = router.hashOrder(hostile.order);
        bytes memory reason = abi.encodeWithSelector(IOrderRouter.RouterInvalidSignature.selector, wallet);
        uint256 bound = honestAlone + router.ERC1271_GAS_STIPEND() + SKIP_OVERHEAD;
        vm.expectEmit(address(router));
        emit IOrderRouter.SignedOrderSkipped(hostileHash, wallet, 0, false, reason);
        uint256 start = gasleft();
        uint256[] memory ids = _relay(_two(hostile, honest));
        uint256 used = start - gasleft();
        emit log_named_uint("hostile order's cost to the batch", used - honestAlone);
        assertEq(ids[0], router.NOT_PLACED(), "the hostile wallet's order is skipped");
        assertTrue(ids[1] != router.NOT_PLACED(), "the honest order of the batch is placed");
        assertEq(market.nonceOf(wallet), 0, "a failed wallet check consumes no nonce");
        assertEq(_locked(wallet), 0);
        assertEq(market.nonceOf(alice), 1);
        assertLe(used, bound, "the hostile order costs the batch at most its stipend and the skip");
    }

    // ------------------------------------------------------------------------------------------
    // Honest wallets
    // ------------------------------------------------------------------------------------------

    /// @dev A one-owner wallet (OZ-style: the owner's ECDSA signature) places its order and uses its nonce.
    function test_placeSignedOrders_ownerWalletPlaces() public {
        IOrderRouter.Order memory order = _buy(address(ownerWallet), 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, router.hashOrder(order));
        uint256[] memory ids = _relay(_one(IOrderRouter.SignedOrder(order, abi.encodePacked(r, s, v))));
        assertEq(market.orderOf(ids[0]).account, address(ownerWallet), "placed for the wallet");
        assertEq(market.nonceOf(address(ownerWallet)), 1);
        assertEq(_locked(address(ownerWallet)), uint256(QUANTITY) * PRICE);
    }

    /// @dev 2-of-3 and 3-of-3 multisigs place their orders within the stipend; one signature short is refused.
    function test_placeSignedOrders_multisigWalletsPlace() public {
        MockMultisigWallet[2] memory wallets = [multisig2, multisig3];
        for (uint256 k; k < wallets.length; ++k) {
            address wallet = address(wallets[k]);
            IOrderRouter.Order memory order = _buy(wallet, 0);
            bytes32 orderHash = router.hashOrder(order);
            bytes memory short = _multisigSignature(orderHash, k + 1);
            assertEq(
                _relay(_one(IOrderRouter.SignedOrder(order, short)))[0],
                router.NOT_PLACED(),
                "below threshold"
            );
            uint256[] memory ids = _relay(
                _one(IOrderRouter.SignedOrder(order, _multisigSignature(orderHash, k + 2)))
            );
            assertEq(market.orderOf(ids[0]).account, wallet, "placed for the multisig");
            assertEq(market.nonceOf(wallet), 1);
        }
    }

    /// @dev The stipend's headroom: the one-owner wallet's check and the 3-of-3 multisig's (cold storage, as
    /// in a relayer's transaction) each take less than a third of ERC1271_GAS_STIPEND.
    function test_isValidSignature_honestWalletsNeedAThirdOfTheStipend() public {
        bytes32 hash = keccak256("an order");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, hash);
        bytes memory ownerSignature = abi.encodePacked(r, s, v);
        bytes memory multisigSignature = _multisigSignature(hash, 3);
        uint256 start = gasleft();
        bytes4 ownerAnswer = ownerWallet.isValidSignature(hash, ownerSignature);
        uint256 ownerGas = start - gasleft();
        start = gasleft();
        bytes4 multisigAnswer = multisig3.isValidSignature(hash, multisigSignature);
        uint256 multisigGas = start - gasleft();
        emit log_named_uint("one-owner wallet check, gas", ownerGas);
        emit log_named_uint("3-of-3 multisig check, gas", multisigGas);
        assertEq(ownerAnswer, IERC1271.isValidSignature.selector);
        assertEq(multisigAnswer, IERC1271.isValidSignature.selector);
        assertLt(ownerGas * 3, router.ERC1271_GAS_STIPEND());
        assertLt(multisigGas * 3, router.ERC1271_GAS_STIPEND());
    }

    /// @dev isValidSignature runs in a staticcall: a wallet re-entering the router or the market changes
    /// nothing, and its order is placed exactly once.
    function test_placeSignedOrders_reentrantWalletCannotChangeState() public {
        ReentrantWallet wallet = new ReentrantWallet(router);
        _wallet(address(wallet));
        IOrderRouter.SignedOrder memory signed = IOrderRouter.SignedOrder(_buy(address(wallet), 0), "");
        wallet.arm(signed);
        uint256[] memory ids = _relay(_one(signed));
        assertTrue(ids[0] != router.NOT_PLACED());
        assertEq(market.nonceOf(address(wallet)), 1, "no re-entered invalidation or second placement");
        assertEq(_locked(address(wallet)), uint256(QUANTITY) * PRICE);
        assertEq(_free(address(wallet)), DEPOSIT - uint256(QUANTITY) * PRICE, "no re-entered withdrawal");
    }

    /// @dev A wallet that accepts anything exposes only its own balance: it cannot vouch for another trader.
    function test_placeSignedOrders_yesWalletCannotSignForSomeoneElse() public {
        YesWallet wallet = new YesWallet();
        IOrderRouter.SignedOrder memory forAlice = IOrderRouter.SignedOrder(
            _buy(alice, 0),
            abi.encode(wallet)
        );
        assertEq(_relay(_one(forAlice))[0], router.NOT_PLACED());
        assertEq(market.nonceOf(alice), 0);
        assertEq(_locked(alice), 0);
    }

    // ------------------------------------------------------------------------------------------
    // Hostile wallets: skipped as unsigned, at a bounded cost
    // ------------------------------------------------------------------------------------------

    /// @dev A wallet burning all the gas it gets has only its stipend to burn: the batch goes on.
    function test_placeSignedOrders_gasBombWalletIsSkipped() public {
        _assertHostileWalletSkipped(address(new MockGasBombWallet()));
    }

    /// @dev The magic value followed by 100 kB: the router copies one word, and refuses an answer that is not
    /// exactly one word.
    function test_placeSignedOrders_returnBombWalletIsSkipped() public {
        _assertHostileWalletSkipped(address(new MockReturnBombWallet(100_000)));
    }

    /// @dev The magic value and one word more: not exactly one word, refused.
    function test_placeSignedOrders_magicPlusAWordIsSkipped() public {
        _assertHostileWalletSkipped(address(new MockReturnBombWallet(64)));
    }

    /// @dev A wallet that reverts, with revert data starting with the magic value, fails the check.
    function test_placeSignedOrders_revertingWalletIsSkipped() public {
        _assertHostileWalletSkipped(address(new MockRevertingWallet()));
    }

    /// @dev One word that is not exactly the magic value: dirty low bytes, the magic right-aligned, all ones.
    function test_placeSignedOrders_wrongMagicWalletIsSkipped() public {
        bytes32 magic = bytes32(IERC1271.isValidSignature.selector);
        bytes32[3] memory answers = [magic | bytes32(uint256(1)), magic >> 224, bytes32(type(uint256).max)];
        for (uint256 i; i < answers.length; ++i) {
            uint256 snapshot = vm.snapshotState();
            _assertHostileWalletSkipped(address(new MockWrongMagicWallet(answers[i])));
            vm.revertToState(snapshot);
        }
    }

    /// @dev The 4 bytes of the magic value, unpadded: short of a word, refused.
    function test_placeSignedOrders_shortReturnWalletIsSkipped() public {
        _assertHostileWalletSkipped(address(new MockShortReturnWallet()));
    }

    /// @dev An honest wallet whose check needs more than the stipend is skipped like a hostile one, however
    /// much gas the relayer sends: its trader must place orders from the wallet itself.
    function test_placeSignedOrders_walletNeedingMoreThanTheStipendIsSkipped() public {
        _assertHostileWalletSkipped(address(new MockSlowERC1271Wallet(router.ERC1271_GAS_STIPEND() + 1_000)));
    }

    /// @dev A gas-bomb wallet in a batch cannot burn an honest trader's nonce: at any gas limit either the
    /// batch reverts or the honest order is placed (and from 300,000 gas the bomb is only skipped).
    function testFuzz_placeSignedOrders_gasBombNeverBurnsAnotherTradersNonce(uint256 gas) public {
        _assertBombBesideAnHonestOrder(address(new MockGasBombWallet()), bound(gas, 100_000, 5_000_000));
    }

    /// @dev A returndata bomb (the magic value followed by 200 kB, more than the stipend can pay for) beside an
    /// honest order: placed or the batch reverts, never burned.
    function testFuzz_placeSignedOrders_returnBombNeverBurnsAnotherTradersNonce(uint256 gas) public {
        _assertBombBesideAnHonestOrder(
            address(new MockReturnBombWallet(200_000)),
            bound(gas, 100_000, 10_000_000)
        );
    }

    /// @dev Relays `bomb`'s order then alice's with `gas`: alice's nonce moves only with her order placed, the
    /// bomb's never; from 300,000 gas the batch always goes through (the stipend bounds the bomb).
    function _assertBombBesideAnHonestOrder(address bomb, uint256 gas) internal {
        _wallet(bomb);
        bytes memory call = abi.encodeCall(
            router.placeSignedOrders,
            (_two(_walletOrder(bomb, ""), _signed(aliceKey, _buy(alice, 0))))
        );
        (bool ok, ) = address(router).call{gas: gas}(call);
        assertEq(market.nonceOf(alice) == 1, _locked(alice) == uint256(QUANTITY) * PRICE);
        if (!ok) assertEq(market.nonceOf(alice), 0);
        if (gas >= 300_000) assertTrue(ok, "the stipend bounds the bomb: enough gas always goes through");
        assertEq(market.nonceOf(bomb), 0, "the bomb's own check fails: nothing consumed");
    }

    // ------------------------------------------------------------------------------------------
    // Too little gas for the stipend: the 63/64 rule
    // ------------------------------------------------------------------------------------------

    /// @dev Just below the gas a batch with one cheap honest wallet needs, the batch reverts RouterOutOfGas:
    /// the router reserves the wallet's whole stipend before calling it, though the wallet uses a fraction
    /// of it, so the limit is set by the stipend (a skip there would be a starved honest wallet).
    function test_placeSignedOrders_tooLittleGasForTheStipendRevertsRouterOutOfGas() public {
        // A slot that already holds an order: the placement itself is cheap, the stipend dominates.
        vm.prank(bob);
        market.placeOrder(slot, IEnergyMarket.Side.Buy, QUANTITY, PRICE, address(0));
        IOrderRouter.Order memory order = _buy(address(ownerWallet), 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, router.hashOrder(order));
        bytes memory call = abi.encodeCall(
            router.placeSignedOrders,
            (_one(IOrderRouter.SignedOrder(order, abi.encodePacked(r, s, v))))
        );
        // The least gas limit that places the order.
        uint256 low = 30_000;
        uint256 high = 1_000_000;
        while (high - low > 1) {
            uint256 mid = (low + high) / 2;
            uint256 snapshot = vm.snapshotState();
            (bool placed, ) = address(router).call{gas: mid}(call);
            vm.revertToState(snapshot);
            if (placed) high = mid;
            else low = mid;
        }
        (bool ok, bytes memory data) = address(router).call{gas: high - 1}(call);
        assertFalse(ok);
        assertEq(data, abi.encodeWithSelector(IOrderRouter.RouterOutOfGas.selector, router.hashOrder(order)));
        assertEq(market.nonceOf(address(ownerWallet)), 0, "nothing consumed");
        uint256 start = gasleft();
        (ok, ) = address(router).call{gas: high}(call);
        uint256 used = start - gasleft();
        assertTrue(ok);
        assertEq(market.nonceOf(address(ownerWallet)), 1, "placed at the limit");
        emit log_named_uint("least gas limit for one wallet order", high);
        emit log_named_uint("gas it uses", used);
        // The limit is the stipend's reservation, not the gas spent: the order uses far less than it needs.
        assertGt(high, (router.ERC1271_GAS_STIPEND() * 64) / 63, "the whole stipend is reserved");
        assertLt(used + 30_000, high, "a starved wallet would have fitted: no skip");
    }

    /// @dev An honest wallet whose check needs almost the whole stipend is never starved into a skip: at every
    /// gas limit its order is placed (nonce consumed) or the batch reverts (nothing consumed).
    function testFuzz_placeSignedOrders_honestWalletIsNeverStarved(uint256 gas) public {
        (address wallet, bool ok, bool placed) = _relaySlowWallet(
            router.ERC1271_GAS_STIPEND() - 10_000,
            bound(gas, 30_000, 600_000)
        );
        assertEq(ok, placed, "a batch that went through placed the order: no skip");
        assertEq(market.nonceOf(wallet) == 1, placed, "a consumed nonce means a placed order");
    }

    /// @dev An expensive honest ERC-1271 check (above the stipend) makes the order look unsigned at every gas
    /// limit: skipped without consuming the nonce (the wallet cannot sign for the router), or the batch reverts.
    function testFuzz_placeSignedOrders_starvedWalletCheckConsumesNothing(uint256 gas) public {
        (address wallet, , bool placed) = _relaySlowWallet(150_000, bound(gas, 30_000, 600_000));
        assertFalse(placed, "a check above the stipend never passes");
        assertEq(market.nonceOf(wallet), 0, "nothing consumed");
    }

    /// @dev Relays, with `gas`, the order of a new honest wallet whose check costs `burn`; whether the call went
    /// through and whether the order was placed.
    function _relaySlowWallet(
        uint256 burn,
        uint256 gas
    ) internal returns (address wallet, bool ok, bool placed) {
        wallet = address(new MockSlowERC1271Wallet(burn));
        _wallet(wallet);
        bytes memory call = abi.encodeCall(router.placeSignedOrders, (_one(_walletOrder(wallet, ""))));
        (ok, ) = address(router).call{gas: gas}(call);
        placed = _locked(wallet) == uint256(QUANTITY) * PRICE;
    }
}
