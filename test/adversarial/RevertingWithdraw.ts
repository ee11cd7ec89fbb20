/**
 * Adversarial: a recipient that reverts. The market never pushes tokens: clearing and settlement only move
 * internal balances, and each account pulls its own money with `withdraw`. So a contract that refuses
 * tokens (a reverting receive hook, a blocklisted address) can only fail its own withdrawal, which reverts
 * cleanly, and can block no one else. Certificates are issued without the ERC-1155 receiver callback, so
 * a buyer contract that refuses ERC-1155 transfers cannot block a certification page either.
 */
import { expect } from "chai";
import { network } from "hardhat";

import type { AttackTrader } from "../../typechain-types/index.js";
import { certifySlot } from "../helpers/certification.js";
import { Side, advanceTo, openSlot, place, signReading } from "../../fixtures/market.js";
import { EnergySource } from "../helpers/registry.js";
import { expectMarketBalanced, gridSystem } from "../integration/system.js";
import { STAKE, deployHookTokenMarket } from "./hookTokenMarket.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;
const ZERO = "0x0000000000000000000000000000000000000000";

function hookTokenMarket() {
  return deployHookTokenMarket(connection);
}

describe("Adversarial: withdrawal to a contract that reverts", function () {
  // Attack: a contract trader whose token hook reverts (as a blocklisting token would) trades, then
  // expects its failing withdrawal to wedge the market: other withdrawals, clearing or settlement.
  it("reverts the refused withdrawal cleanly and blocks no one else", async function () {
    const f = await networkHelpers.loadFixture(hookTokenMarket);
    const slot = await openSlot(f.market);
    // The attacker buys from Alice, so clearing and settlement both credit it.
    await (await f.attacker.placeOrder(slot, Side.Buy, 100n, 10n, ZERO)).wait();
    await place(f.market, f.alice, slot, Side.Sell, 100n, 2n, f.meterAlice.address);
    await (await f.attacker.setRefusing(true)).wait();

    await expect(f.attacker.withdraw(1n)).to.be.revertedWithCustomError(
      f.attacker,
      "AttackTraderRefused",
    );
    const stuck = await f.market.balanceOf(f.attackerAddress);
    expect(stuck.free + stuck.locked).to.equal(STAKE);

    await time.increaseTo(await f.market.gateClosureOf(slot));
    await (await f.market.connect(f.bob).clear(slot)).wait();
    await time.increaseTo(await f.registry.slotEnd(slot));
    await (
      await f.registry.submitReading(await signReading(f.registry, f.meterAlice, slot, 0n, 100n))
    ).wait();
    await time.increaseTo(await f.market.readingWindowEnd(slot));
    await (await f.market.connect(f.bob).settle(slot)).wait();
    const { price } = await f.market.slotInfo(slot);

    // Alice is paid and withdraws everything while the attacker still refuses.
    const alice = await f.market.balanceOf(f.alice.address);
    expect(alice).to.deep.equal([STAKE + price * 100n, 0n]);
    await expect(f.market.connect(f.alice).withdraw(alice.free))
      .to.emit(f.market, "Withdrawn")
      .withArgs(f.alice.address, alice.free);
    await expect(f.attacker.withdraw(1n)).to.be.revertedWithCustomError(
      f.attacker,
      "AttackTraderRefused",
    );
    expect(await f.market.balanceOf(f.attackerAddress)).to.deep.equal([STAKE - price * 100n, 0n]);
    await f.expectBalanced();

    // Once it accepts tokens again it gets exactly what it is owed.
    await (await f.attacker.setRefusing(false)).wait();
    await (await f.attacker.withdraw(STAKE - price * 100n)).wait();
    expect(await f.token.balanceOf(f.attackerAddress)).to.equal(2n * STAKE - price * 100n);
    expect(await f.token.balanceOf(await f.market.getAddress())).to.equal(0n);
  });

  // With the production stablecoin (plain ERC-20) the recipient's code never runs: a contract that
  // reverts on every callback still receives its withdrawal, and its certificates in certification.
  it("pays a reverting contract in gUSD and issues it certificates without a callback", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const attacker = (await s.ethers.deployContract("AttackTrader", [
      await s.market.getAddress(),
      await s.token.getAddress(),
    ])) as unknown as AttackTrader;
    const attackerAddress = await attacker.getAddress();
    await (await s.token.mint(attackerAddress, 10_000n)).wait();
    await (await attacker.approveMarket()).wait();
    await (await attacker.deposit(10_000n)).wait();
    await (await attacker.setRefusing(true)).wait();

    const slot = await openSlot(s.market);
    await (await attacker.placeOrder(slot, Side.Buy, 500n, 10n, ZERO)).wait();
    await place(s.market, s.alice, slot, Side.Sell, 500n, 2n, s.meterAlice.address);
    await advanceTo(s, time, await s.market.gateClosureOf(slot));
    await (await s.market.clear(slot)).wait();
    await advanceTo(s, time, await s.registry.slotEnd(slot));
    await (
      await s.registry.submitReading(await signReading(s.registry, s.meterAlice, slot, 0n, 800n))
    ).wait();
    await advanceTo(s, time, await s.market.readingWindowEnd(slot));
    await (await s.market.settle(slot)).wait();
    // Certification credits the contract buyer without calling it: the page goes through.
    await certifySlot(s.certificates, slot, { runner: s.stranger });

    const id = await s.certificates.idOf(slot, EnergySource.Solar);
    expect(await s.certificates.balanceOf(attackerAddress, id)).to.equal(500n);
    expect(await s.certificates.isSlotCertified(slot)).to.equal(true);
    // The receiver callback is live for ordinary transfers: the contract refuses them, as is its right.
    await expect(
      s.certificates
        .connect(s.alice)
        .safeTransferFrom(s.alice.address, attackerAddress, id, 1n, "0x"),
    ).to.be.revertedWithCustomError(attacker, "AttackTraderRefused");

    const { free } = await s.market.balanceOf(attackerAddress);
    await (await attacker.withdraw(free)).wait();
    expect(await s.token.balanceOf(attackerAddress)).to.equal(free);
    await expectMarketBalanced(s, { accounts: [attackerAddress] });
  });
});
