/**
 * Before the first tick: the timing mode, the suite (deployed or found), the market's settings, the role
 * senders and households, the balances before the run, and the setup batch (gas money, meters, tokens).
 */
import { readFile } from "node:fs/promises";
import { toUtf8Bytes, zeroPadBytes } from "ethers";
import type { Chain } from "../lib/chain.js";
import {
  deploySuite,
  loadSuite,
  readDeploymentRecord,
  type DeploymentParameters,
  type Suite,
} from "../lib/deployment.js";
import { ErrorDecoder, UsageError } from "../lib/errors.js";
import { currencyToBase } from "../lib/units.js";
import type { Scenario } from "../scenario/schema.js";
import type { TwinResult } from "../twin/community.js";
import type { Actors, MarketFacts, RunContext, TimingMode } from "./context.js";
import { GAS_LIMITS } from "./gas.js";
import { accountKey, meterKey } from "./keys.js";
import type { HouseholdRuntime, RunTotals } from "./state.js";
import { TxRunner } from "./transactions.js";
import { OrderRouter__factory } from "../../typechain-types/index.js";

const METER_KIND = { consumption: 0, bidirectional: 2 } as const;
export const SOURCE = { none: 0, solar: 1 } as const;

export interface SuiteOptions {
  deploymentId?: string;
  freshDeployment?: boolean;
  parametersFile?: string;
}

/** The suite and, when this run deployed it, the blocks its deployment took (for the deployer's gas). */
export interface SuiteOfRun {
  suite: Suite;
  deployBlocks?: { from: number; to: number };
}

/** Fast-forward on a development node, real time elsewhere, unless the scenario says otherwise. */
export function timingModeOf(chain: Chain, scenario: Scenario): TimingMode {
  const mode =
    scenario.timing === "auto" ? (chain.devNode ? "fast-forward" : "real-time") : scenario.timing;
  if (mode === "fast-forward" && !chain.devNode) {
    throw new UsageError(
      "scenario.timing",
      `fast-forward needs a development node; ${chain.networkName} runs in real time`,
    );
  }
  return mode;
}

async function readParametersFile(file: string): Promise<DeploymentParameters> {
  const data = JSON.parse(await readFile(file, "utf8")) as { GridLedger?: DeploymentParameters };
  return data.GridLedger ?? {};
}

/** The suite of Ignition's record, or one deployed now with the scenario's clock and roles. */
export async function suiteOfRun(
  chain: Chain,
  scenario: Scenario,
  options: SuiteOptions,
  pick: (i: number) => string,
): Promise<SuiteOfRun> {
  const blockBefore = Number(await chain.rpc<string>("eth_blockNumber"));
  const record = chain.embedded
    ? undefined
    : await readDeploymentRecord(chain, options.deploymentId);
  if (record && !options.freshDeployment)
    return { suite: await loadSuite(chain, { deploymentId: options.deploymentId }) };
  const fileParams = await readParametersFile(
    options.parametersFile ?? "ignition/parameters/embedded.json",
  );
  const suite = await deploySuite(
    chain,
    {
      ...fileParams,
      slotLength: scenario.slotLengthSeconds,
      readingWindow: scenario.readingWindowSeconds,
      admin: pick(0),
      gridOperator: pick(1),
      gridOperatorAccount: pick(1),
      regulator: pick(2),
    },
    options.deploymentId,
  );
  const blockAfter = Number(await chain.rpc<string>("eth_blockNumber"));
  return { suite, deployBlocks: { from: blockBefore + 1, to: blockAfter } };
}

/** The clock and market settings of the deployed suite, refused when they cannot carry the scenario. */
export async function readMarketFacts(suite: Suite, scenario: Scenario): Promise<MarketFacts> {
  const { registry, market } = suite;
  const [genesis, slotLength, readingWindow] = (await registry.slotClock()).map(Number);
  if (slotLength !== scenario.slotLengthSeconds) {
    throw new UsageError(
      "scenario.slotLengthSeconds",
      `${scenario.slotLengthSeconds} s, but the deployed registry (${suite.source}) uses ${slotLength} s slots`,
    );
  }
  const gateClosureSeconds = Number(await market.gateClosureSeconds());
  // Orders for slot j go out at the start of slot j-1 and must be in before j's gate closes.
  if (gateClosureSeconds + Math.min(30, slotLength! / 4) >= slotLength!) {
    throw new UsageError(
      "--network",
      `the market's gate closes ${gateClosureSeconds} s before a ${slotLength} s slot: too late for orders placed one slot ahead`,
    );
  }
  const params = await market.paramsForSlot(0n);
  const maxOrdersPerSlot = Number(await market.maxOrdersPerSlot());
  return {
    genesis: genesis!,
    slotLength: slotLength!,
    readingWindow: readingWindow!,
    minOrderWh: params.minOrderWh,
    sellerCollateralPerWh: params.sellerCollateralPerWh,
    penaltyPerWh: params.penaltyPerWh,
    maxOrdersPerSlot,
    maxOrdersPerSide: Number(await market.maxOrdersPerSide()),
    gateClosureSeconds,
    orderRouter: await market.orderRouter(),
  };
}

/** The first of `candidates` that holds the registry's grid-operator role. */
async function findOperator(suite: Suite, candidates: string[]): Promise<string> {
  const role = await suite.registry.GRID_OPERATOR_ROLE();
  for (const address of candidates) if (await suite.registry.hasRole(role, address)) return address;
  throw new UsageError(
    "--network",
    "no account of this network holds the registry's GRID_OPERATOR_ROLE",
  );
}

/** The transaction runner (mining its own batches on a development node) and the role senders. */
export async function roleSenders(
  chain: Chain,
  suite: Suite,
  timingMode: TimingMode,
  accounts: string[],
): Promise<{ runner: TxRunner; actors: Actors }> {
  const pick = (i: number) => accounts[i] ?? accounts[0]!;
  const operatorAddress = await findOperator(suite, accounts);
  const decoder = new ErrorDecoder([
    suite.registry.interface,
    suite.market.interface,
    OrderRouter__factory.createInterface(),
    suite.certificates.interface,
    suite.token.interface,
  ]);
  const runner = new TxRunner(chain, timingMode === "fast-forward" ? "mine" : "wait", decoder);
  const actors: Actors = {
    deployer: await runner.actor("deployer", pick(0)),
    operator: await runner.actor("grid operator", operatorAddress),
    hub: await runner.actor("data hub", pick(3)),
    keeper: await runner.actor("keeper", pick(4)),
    aggregator: await runner.actor("aggregator", pick(5)),
  };
  return { runner, actors };
}

/** A market balance: free plus locked. */
export async function marketBalanceOf(suite: Suite, address: string): Promise<bigint> {
  const [free, locked] = await suite.market.balanceOf(address);
  return free + locked;
}

/** The twin's households as senders with their keys and the market balance they start from. */
export async function householdsOf(
  twin: TwinResult,
  scenario: Scenario,
  suite: Suite,
  runner: TxRunner,
): Promise<HouseholdRuntime[]> {
  return Promise.all(
    twin.households.map(async (series) => {
      const index = series.spec.index;
      const wallet = accountKey(scenario.seed, index);
      const account = await runner.actor("household", wallet.address, wallet);
      return {
        index,
        series,
        account,
        meter: meterKey(scenario.seed, index),
        canSell: series.spec.kind !== "consumer",
        orderNonce: Number(await suite.market.nonceOf(wallet.address)),
        depositBase: scenario.funding.depositBase,
        balanceBefore: await marketBalanceOf(suite, wallet.address),
        balanceAfter: 0n,
        certificatesReceivedWh: 0,
      };
    }),
  );
}

/** The money totals before the run; the after-values are read by the run's end. */
export async function totalsBefore(suite: Suite): Promise<RunTotals> {
  const operatorAccount = await suite.market.gridOperatorAccount();
  return {
    retiredWh: 0n,
    retirements: 0,
    marketTokenBefore: await suite.token.balanceOf(suite.addresses.market),
    marketTokenAfter: 0n,
    escrowBefore: await suite.market.escrowed(),
    escrowAfter: 0n,
    operatorBalanceBefore: await marketBalanceOf(suite, operatorAccount),
    operatorBalanceAfter: 0n,
    depositsBase: 0n,
    ordersRefusedAtCap: 0,
    ordersHeldBackAtCap: 0,
  };
}

function zone(name: string): string {
  return zeroPadBytes(toUtf8Bytes(name.slice(0, 8)), 8);
}

/** A meter's rated capacity: enough for the largest flow the twin will measure, with a margin. */
function ratedCapacityW(h: HouseholdRuntime, slotLength: number): number {
  const peakWh = Math.max(...h.series.readings.map((r) => Math.max(r.importedWh, r.exportedWh)), 1);
  const peakW = (peakWh * 3600) / slotLength;
  // Over-promising sellers still meter what they export; 3x and at least 10 kW keeps readings in range.
  return Math.max(10_000, Math.ceil((peakW * 3) / 1000) * 1000);
}

/**
 * Gas money for a household that is short of it (none when the scenario gives none: the relayed flow's
 * default), and its meter registered when it is not yet.
 */
async function fundAndRegister(
  ctx: RunContext,
  h: HouseholdRuntime,
  gasMoney: bigint,
  now: number,
) {
  const { chain, suite, runner, actors } = ctx;
  const balance = BigInt(await chain.rpc<string>("eth_getBalance", [h.account.address, "latest"]));
  if (gasMoney > 0n && balance < gasMoney / 2n)
    await runner.send(
      actors.deployer,
      `fund ${h.account.address}`,
      h.account.address,
      "0x",
      GAS_LIMITS.transfer,
      gasMoney,
    );
  if ((await suite.registry.meterOf(h.meter.address)).status !== 0n) return;
  const consumer = h.series.spec.kind === "consumer";
  await runner.send(
    actors.operator,
    `registerMeter ${h.index}`,
    suite.addresses.registry,
    suite.registry.interface.encodeFunctionData("registerMeter", [
      h.meter.address,
      h.account.address,
      consumer ? METER_KIND.consumption : METER_KIND.bidirectional,
      consumer ? SOURCE.none : SOURCE.solar,
      ratedCapacityW(h, ctx.facts.slotLength),
      zone("COMMUNITY"),
      now,
    ]),
    GAS_LIMITS.registerMeter,
  );
}

/** The operator's tokens (minted when it may), approved to the market and deposited for each household. */
async function fundMarketAccounts(ctx: RunContext, total: bigint) {
  const { suite, runner } = ctx;
  const { operator } = ctx.actors;
  const minterRole = await suite.token.MINTER_ROLE().catch(() => undefined);
  const canMint =
    minterRole !== undefined && (await suite.token.hasRole(minterRole, operator.address));
  if (canMint) {
    await runner.send(
      operator,
      "mint",
      suite.addresses.token,
      suite.token.interface.encodeFunctionData("mint", [operator.address, total]),
      GAS_LIMITS.mint,
    );
  }
  await runner.send(
    operator,
    "approve",
    suite.addresses.token,
    suite.token.interface.encodeFunctionData("approve", [suite.addresses.market, total]),
    GAS_LIMITS.approve,
  );
  for (const h of ctx.households) {
    await runner.send(
      operator,
      `depositFor ${h.index}`,
      suite.addresses.market,
      suite.market.interface.encodeFunctionData("depositFor", [h.account.address, h.depositBase]),
      GAS_LIMITS.depositFor,
    );
  }
}

/** The setup batch: gas money, meters, then the households' market deposits; mined together. */
export async function setUpHouseholds(ctx: RunContext): Promise<void> {
  const { scenario } = ctx;
  const gasMoney = currencyToBase(scenario.funding.gasEth, "scenario.funding.gasEth") * 10n ** 12n; // 18 decimals
  const now = await ctx.chain.latestTimestamp();
  for (const h of ctx.households) await fundAndRegister(ctx, h, gasMoney, now);
  const total = scenario.funding.depositBase * BigInt(ctx.households.length);
  await fundMarketAccounts(ctx, total);
  ctx.totals.depositsBase = total;
  await ctx.runner.flush();
}

/** Transactions and gas of the blocks `from`..`to` (the deployment's, on a node nobody else uses). */
export async function blocksGas(
  chain: Chain,
  from: number,
  to: number,
): Promise<{ transactions: number; gasUsed: bigint }> {
  let transactions = 0;
  let gasUsed = 0n;
  for (let b = from; b <= to; b++) {
    const block = await chain.rpc<{ transactions: string[]; gasUsed: string }>(
      "eth_getBlockByNumber",
      [`0x${b.toString(16)}`, false],
    );
    transactions += block.transactions.length;
    gasUsed += BigInt(block.gasUsed);
  }
  return { transactions, gasUsed };
}
