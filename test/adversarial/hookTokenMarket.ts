/**
 * A market paid in AttackHookToken (a token with ERC-777-style transfer hooks) with a hostile contract
 * trader, AttackTrader, and an honest trader: the stage of the re-entrancy and refused-transfer attacks.
 */
import { expect } from "chai";
import type { NetworkConnection } from "hardhat/types/network";

import type { AttackHookToken, AttackTrader, EnergyMarket } from "../../typechain-types/index.js";
import {
  DEFAULT_PARAMS,
  GATE_CLOSURE_SECONDS,
  HORIZON_SLOTS,
  MAX_ORDERS_PER_SLOT,
  deployMarket,
  liabilities,
} from "../../fixtures/market.js";

/** What the attacker and the honest trader deposit. */
export const STAKE = 5_000n;

export async function deployHookTokenMarket(connection: NetworkConnection) {
  const { ethers } = connection;
  const base = await deployMarket(connection);
  const token = (await ethers.deployContract("AttackHookToken")) as unknown as AttackHookToken;
  const market = (await ethers.deployContract("EnergyMarket", [
    {
      token: await token.getAddress(),
      registry: await base.registry.getAddress(),
      admin: base.admin.address,
      gridOperator: base.operator.address,
      gridOperatorAccount: base.gridAccount.address,
      horizonSlots: HORIZON_SLOTS,
      gateClosureSeconds: GATE_CLOSURE_SECONDS,
      maxOrdersPerSlot: MAX_ORDERS_PER_SLOT,
      params: DEFAULT_PARAMS,
    },
  ])) as unknown as EnergyMarket;
  const attacker = (await ethers.deployContract("AttackTrader", [
    await market.getAddress(),
    await token.getAddress(),
  ])) as unknown as AttackTrader;
  const attackerAddress = await attacker.getAddress();
  const marketAddress = await market.getAddress();

  await (await token.mint(attackerAddress, 2n * STAKE)).wait();
  await (await attacker.approveMarket()).wait();
  await (await attacker.deposit(STAKE)).wait();
  await (await token.mint(base.alice.address, 2n * STAKE)).wait();
  await (await token.connect(base.alice).approve(marketAddress, 2n * STAKE)).wait();
  await (await market.connect(base.alice).deposit(STAKE)).wait();
  await (await token.setHooked(attackerAddress, true)).wait();

  const accounts = [
    attackerAddress,
    base.alice.address,
    base.bob.address,
    base.gridAccount.address,
  ];
  /** Market token balance == balances + locks + escrow, to the unit. */
  async function expectBalanced(): Promise<void> {
    expect(await token.balanceOf(marketAddress)).to.equal(await liabilities(market, accounts));
  }
  /** The custom error name of the attacker's last re-entrant call, or "ok". */
  async function lastReentry(): Promise<string> {
    if (await attacker.lastReentryOk()) return "ok";
    const parsed = market.interface.parseError(await attacker.lastReentryData());
    return parsed?.name ?? "unknown revert";
  }
  return { ...base, token, market, attacker, attackerAddress, expectBalanced, lastReentry };
}

export type HookTokenMarket = Awaited<ReturnType<typeof deployHookTokenMarket>>;
