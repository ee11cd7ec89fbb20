/**
 * The simulation driver: a digital-twin community trades a day on chain.
 *
 * Timeline of twin slot j (chain slot c0 + j), one tick per slot start, all ticks mined in batches:
 *   tick j-1   households place orders for j (bids on their forecast)
 *   tick j     the keeper clears j (its gate closed `gateClosureSeconds` before its start)
 *   tick j+1   the data hub submits the meters' signed readings of j (trySubmitReadings, in batches)
 *   tick j+1+w the keeper settles j (w = reading window in slots), then delivers its certificates in pages:
 *              certifySellers until done, then claimBuyers until done (same sender: nonce order is page order)
 *   tick j+2+w the keeper issues certificates of meters that exported but sold nothing in j
 * after the last tick, consumers retire the certificates they hold.
 * Chain time is fast-forwarded on a development node and waited for on any other network.
 */
import { readFile } from "node:fs/promises";
import { ZeroAddress, toUtf8Bytes, zeroPadBytes, type Contract, type Interface } from "ethers";
import type { Chain } from "../lib/chain.js";
import {
  deploySuite,
  loadSuite,
  readDeploymentRecord,
  type DeploymentParameters,
  type Suite,
} from "../lib/deployment.js";
import { CERTIFY_SELLERS_PAGE, CLAIM_BUYERS_PAGE, pagesFor } from "../lib/certification.js";
import { ErrorDecoder, UsageError } from "../lib/errors.js";
import { Rng } from "../lib/prng.js";
import { Progress, type ProgressOptions } from "../lib/progress.js";
import { basePerWhToPricePerKWh, currencyToBase, whToKWh } from "../lib/units.js";
import { buildTwinInput } from "../scenario/community.js";
import type { Fault, Scenario } from "../scenario/schema.js";
import { createStrategy } from "../strategy/index.js";
import { simulateCommunity } from "../twin/community.js";
import type { SimulationReport } from "../report/model.js";
import { buildReport } from "./accounting.js";
import { accountKey, forgerKey, meterKey } from "./keys.js";
import { registryDomain, signReading, type SignedReading } from "./readings.js";
import type { HouseholdRuntime, OrderRecord, RunTotals, SlotRuntime } from "./state.js";
import { parseLogs, TxRunner, type MinedTx } from "./transactions.js";

/**
 * Explicit gas limits: about twice the largest gasUsed measured on the default scenario (the unused part is
 * never paid), per-item terms scaling with the batch, and never above the per-transaction cap of current
 * chains (EIP-7825: 2^24 gas). A transaction that runs out says which limit to raise.
 */
const TX_GAS_CAP = BigInt(process.env.SIM_TX_GAS_CAP ?? 16_777_216); // raise only on a chain without the cap
const capped = (gas: bigint) => (gas < TX_GAS_CAP ? gas : TX_GAS_CAP);
export const GAS_LIMITS = {
  transfer: 21_000n,
  registerMeter: 250_000n,
  mint: 150_000n,
  approve: 100_000n,
  depositFor: 250_000n,
  placeOrder: 220_000n,
  clear: (orders: number) => capped(200_000n + 30_000n * BigInt(orders)),
  readings: (count: number) => capped(100_000n + 60_000n * BigInt(count)),
  settle: (orders: number) => capped(300_000n + 150_000n * BigInt(orders)),
  // Per order of the page: a new meter's issuance (registry reads, a bit, a mint, an event) at most.
  certifySellers: (orders: number) => capped(200_000n + 90_000n * BigInt(orders)),
  // Per order of the page: one credit per vintage, up to four renewable sources (about 122k, gas/GAS.md).
  claimBuyers: (orders: number) => capped(200_000n + 130_000n * BigInt(orders)),
  issueBatch: (count: number) => capped(100_000n + 80_000n * BigInt(count)),
  retire: 80_000n,
};

const READINGS_PER_BATCH = 100;
const ISSUES_PER_BATCH = 100;
const SIDE = { buy: 0, sell: 1 } as const;
const METER_KIND = { consumption: 0, bidirectional: 2 } as const;
const SOURCE = { none: 0, solar: 1 } as const;

export interface SimulationOptions {
  chain: Chain;
  scenario: Scenario;
  /** Ignition deployment id on a node (default chain-<id>); a run deploys when it finds no record. */
  deploymentId?: string;
  /** Deploy a new suite even when a record exists (end-to-end tests). */
  freshDeployment?: boolean;
  /** Parameters file for a deployment made by this run (default ignition/parameters/embedded.json). */
  parametersFile?: string;
  progress?: ProgressOptions;
}

function inWindow(f: { fromSlot: number; toSlot: number }, slot: number): boolean {
  return slot >= f.fromSlot && slot <= f.toSlot;
}

function faultFor<T extends Fault["type"]>(
  faults: readonly Fault[],
  type: T,
  household: number,
  slot: number,
): Extract<Fault, { type: T }> | undefined {
  return faults.find(
    (f): f is Extract<Fault, { type: T }> =>
      f.type === type && "household" in f && f.household === household && inWindow(f, slot),
  );
}

function zone(name: string): string {
  return zeroPadBytes(toUtf8Bytes(name.slice(0, 8)), 8);
}

async function readParametersFile(file: string): Promise<DeploymentParameters> {
  const data = JSON.parse(await readFile(file, "utf8")) as { GridLedger?: DeploymentParameters };
  return data.GridLedger ?? {};
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const { chain, scenario } = options;
  const wallStart = performance.now();
  const phases: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      phases[name] = (phases[name] ?? 0) + (performance.now() - t0) / 1000;
    }
  };

  // ---------------------------------------------------------------------------------------------
  // The twin: everything physical is known before the first transaction.
  // ---------------------------------------------------------------------------------------------
  const twin = await phase("twin", async () => simulateCommunity(buildTwinInput(scenario)));
  const strategy = createStrategy(scenario.strategy.name, scenario.strategy.options);
  const bidRng = new Rng(scenario.seed).stream("bids");
  const N = scenario.slots;

  // ---------------------------------------------------------------------------------------------
  // Accounts and the deployed suite.
  // ---------------------------------------------------------------------------------------------
  const signers = await chain.ethers.getSigners();
  if (signers.length === 0)
    throw new UsageError("--network", `${chain.networkName} has no accounts configured`);
  const pick = (i: number) => (signers[i] ?? signers[0]!).address;
  const deployerAddress = pick(0);

  const timingMode =
    scenario.timing === "auto" ? (chain.devNode ? "fast-forward" : "real-time") : scenario.timing;
  if (timingMode === "fast-forward" && !chain.devNode) {
    throw new UsageError(
      "scenario.timing",
      `fast-forward needs a development node; ${chain.networkName} runs in real time`,
    );
  }

  const blockBeforeDeploy = Number(await chain.rpc<string>("eth_blockNumber"));
  const record = chain.embedded
    ? undefined
    : await readDeploymentRecord(chain, options.deploymentId);
  let deployedNow = false;
  let blockAfterDeploy = blockBeforeDeploy;
  const suite: Suite = await phase("deploy", async () => {
    if (record && !options.freshDeployment)
      return loadSuite(chain, { deploymentId: options.deploymentId });
    const fileParams = await readParametersFile(
      options.parametersFile ?? "ignition/parameters/embedded.json",
    );
    deployedNow = true;
    const deployed = await deploySuite(
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
    blockAfterDeploy = Number(await chain.rpc<string>("eth_blockNumber"));
    return deployed;
  });
  const { registry, market, certificates, token } = suite;
  const [genesisRaw, slotLengthRaw, readingWindowRaw] = (await registry.getFunction(
    "slotClock",
  )()) as bigint[];
  const genesis = Number(genesisRaw);
  const slotLength = Number(slotLengthRaw);
  const readingWindow = Number(readingWindowRaw);
  if (slotLength !== scenario.slotLengthSeconds) {
    throw new UsageError(
      "scenario.slotLengthSeconds",
      `${scenario.slotLengthSeconds} s, but the deployed registry (${suite.source}) uses ${slotLength} s slots`,
    );
  }
  const gateClosureSeconds = Number(await market.getFunction("gateClosureSeconds")());
  // Orders for slot j go out at the start of slot j-1 and must be in before j's gate closes.
  if (gateClosureSeconds + Math.min(30, slotLength / 4) >= slotLength) {
    throw new UsageError(
      "--network",
      `the market's gate closes ${gateClosureSeconds} s before a ${slotLength} s slot: too late for orders placed one slot ahead`,
    );
  }
  const marketParams = (await market.getFunction("paramsForSlot")(0n)) as {
    minOrderWh: bigint;
    sellerCollateralPerWh: bigint;
    penaltyPerWh: bigint;
    minBuyPricePerWh: bigint;
  };
  const maxOrdersPerSlot = Number(await market.getFunction("maxOrdersPerSlot")());

  const operatorRole = (await registry.getFunction("GRID_OPERATOR_ROLE")()) as string;
  const operatorAddress = await findRoleHolder(
    registry,
    operatorRole,
    signers.map((s) => s.address),
  );
  if (!operatorAddress) {
    throw new UsageError(
      "--network",
      "no account of this network holds the registry's GRID_OPERATOR_ROLE",
    );
  }
  const decoder = new ErrorDecoder([
    registry.interface,
    market.interface,
    certificates.interface,
    token.interface,
  ] as never);
  const runner = new TxRunner(chain, timingMode === "fast-forward" ? "mine" : "wait", decoder);
  const deployer = await runner.actor("deployer", deployerAddress);
  const operator = await runner.actor("grid operator", operatorAddress);
  const hub = await runner.actor("data hub", pick(3));
  const keeper = await runner.actor("keeper", pick(4));

  const households: HouseholdRuntime[] = await Promise.all(
    twin.households.map(async (series) => {
      const index = series.spec.index;
      const wallet = accountKey(scenario.seed, index);
      const account = await runner.actor("household", wallet.address, wallet);
      const [free, locked] = (await market.getFunction("balanceOf")(wallet.address)) as bigint[];
      return {
        index,
        series,
        account,
        meter: meterKey(scenario.seed, index),
        canSell: series.spec.kind !== "consumer",
        depositBase: scenario.funding.depositBase,
        balanceBefore: free! + locked!,
        balanceAfter: 0n,
        certificatesReceivedWh: 0,
      };
    }),
  );
  const byAccount = new Map(households.map((h) => [h.account.address.toLowerCase(), h]));

  const balanceOf = async (address: string) => {
    const [free, locked] = (await market.getFunction("balanceOf")(address)) as bigint[];
    return free! + locked!;
  };
  const operatorAccount = (await market.getFunction("gridOperatorAccount")()) as string;
  const totals: RunTotals = {
    retiredWh: 0n,
    retirements: 0,
    marketTokenBefore: (await token.getFunction("balanceOf")(suite.addresses.market)) as bigint,
    marketTokenAfter: 0n,
    escrowBefore: (await market.getFunction("escrowed")()) as bigint,
    escrowAfter: 0n,
    operatorBalanceBefore: await balanceOf(operatorAccount),
    operatorBalanceAfter: 0n,
    depositsBase: 0n,
    ordersRefusedAtCap: 0,
  };

  // ---------------------------------------------------------------------------------------------
  // Setup: gas money, meters, tokens. One batch.
  // ---------------------------------------------------------------------------------------------
  const contracts = [
    { address: suite.addresses.registry, iface: registry.interface as Interface },
    { address: suite.addresses.market, iface: market.interface as Interface },
    { address: suite.addresses.certificates, iface: certificates.interface as Interface },
  ];
  await runner.begin();
  try {
    await phase("setup", async () => {
      const gasMoney =
        currencyToBase(scenario.funding.gasEth, "scenario.funding.gasEth") * 10n ** 12n; // 18 decimals
      const now = await chain.latestTimestamp();
      for (const h of households) {
        const balance = BigInt(
          await chain.rpc<string>("eth_getBalance", [h.account.address, "latest"]),
        );
        if (balance < gasMoney / 2n)
          await runner.send(
            deployer,
            `fund ${h.account.address}`,
            h.account.address,
            "0x",
            GAS_LIMITS.transfer,
            gasMoney,
          );
        const status = (
          (await registry.getFunction("meterOf")(h.meter.address)) as { status: bigint }
        ).status;
        if (status === 0n) {
          const consumer = h.series.spec.kind === "consumer";
          await runner.send(
            operator,
            `registerMeter ${h.index}`,
            suite.addresses.registry,
            registry.interface.encodeFunctionData("registerMeter", [
              h.meter.address,
              h.account.address,
              consumer ? METER_KIND.consumption : METER_KIND.bidirectional,
              consumer ? SOURCE.none : SOURCE.solar,
              ratedCapacityW(h, slotLength),
              zone("COMMUNITY"),
              now,
            ]),
            GAS_LIMITS.registerMeter,
          );
        }
      }
      const total = scenario.funding.depositBase * BigInt(households.length);
      const minterRole = (await token
        .getFunction("MINTER_ROLE")()
        .catch(() => undefined)) as string | undefined;
      const canMint =
        minterRole !== undefined &&
        ((await token.getFunction("hasRole")(minterRole, operator.address)) as boolean);
      if (canMint) {
        await runner.send(
          operator,
          "mint",
          suite.addresses.token,
          token.interface.encodeFunctionData("mint", [operator.address, total]),
          GAS_LIMITS.mint,
        );
      }
      await runner.send(
        operator,
        "approve",
        suite.addresses.token,
        token.interface.encodeFunctionData("approve", [suite.addresses.market, total]),
        GAS_LIMITS.approve,
      );
      for (const h of households) {
        await runner.send(
          operator,
          `depositFor ${h.index}`,
          suite.addresses.market,
          market.interface.encodeFunctionData("depositFor", [h.account.address, h.depositBase]),
          GAS_LIMITS.depositFor,
        );
      }
      totals.depositsBase = total;
      await runner.flush();
    });

    // -------------------------------------------------------------------------------------------
    // The clock: the first chain slot, aligned with the twin's time of day when time is ours.
    // -------------------------------------------------------------------------------------------
    const now = await chain.latestTimestamp();
    const startOf = (chainSlot: bigint) => genesis + Number(chainSlot) * slotLength;
    let c0 = BigInt(
      Math.floor((now - genesis) / slotLength) + (timingMode === "fast-forward" ? 2 : 3),
    );
    if (timingMode === "fast-forward") {
      const wanted =
        (((twin.slotStarts[0]! + scenario.site.utcOffsetHours * 3600) % 86_400) + 86_400) % 86_400;
      for (let i = 0; i < 86_400 / slotLength; i++, c0++) {
        const local =
          (((startOf(c0) + scenario.site.utcOffsetHours * 3600) % 86_400) + 86_400) % 86_400;
        if (local === wanted) break;
      }
    }
    const slots: SlotRuntime[] = Array.from({ length: N }, (_, j) => ({
      index: j,
      chainSlot: c0 + BigInt(j),
      orders: [],
      recorded: new Map(),
      rejected: new Map(),
      issued: new Map(),
      notIssued: new Set(),
      claimed: new Map(),
      returned: new Map(),
      sellersCertified: false,
      buyersClaimed: false,
      submitted: new Map(),
    }));
    const slotByChain = new Map(slots.map((s) => [s.chainSlot, s]));
    const windowSlots = Math.ceil(readingWindow / slotLength);
    const lateTicks = new Map<number, SignedReading[]>();
    let lastTick = N + 2 + windowSlots;
    for (const f of scenario.faults) {
      if (f.type === "lateReadings")
        lastTick = Math.max(lastTick, Math.min(f.toSlot, N - 1) + 1 + f.delaySlots);
    }
    const domain = registryDomain(chain.chainId, suite.addresses.registry);
    const registryError = (selector: string) => {
      try {
        return registry.interface.getError(selector)?.name ?? selector;
      } catch {
        return selector;
      }
    };
    const progress = new Progress("trading", lastTick + 2, options.progress);
    progress.log(
      `Trading ${N} slots of ${slotLength} s from chain slot ${c0} (${new Date(startOf(c0) * 1000).toISOString()}), ${households.length} households, ${timingMode}`,
    );

    // The settled slot's certificates, in pages sent right after its settlement by the same keeper.
    const certifySlot = async (slot: SlotRuntime) => {
      const sells = slot.orders.filter((o) => o.side === "sell").length;
      const buys = slot.orders.length - sells;
      for (let page = 0; page < pagesFor(sells, CERTIFY_SELLERS_PAGE); page++)
        await runner.send(
          keeper,
          `certifySellers slot ${slot.index} page ${page}`,
          suite.addresses.certificates,
          certificates.interface.encodeFunctionData("certifySellers", [
            slot.chainSlot,
            CERTIFY_SELLERS_PAGE,
          ]),
          GAS_LIMITS.certifySellers(Math.min(CERTIFY_SELLERS_PAGE, sells)),
        );
      for (let page = 0; page < pagesFor(buys, CLAIM_BUYERS_PAGE); page++)
        await runner.send(
          keeper,
          `claimBuyers slot ${slot.index} page ${page}`,
          suite.addresses.certificates,
          certificates.interface.encodeFunctionData("claimBuyers", [
            slot.chainSlot,
            CLAIM_BUYERS_PAGE,
          ]),
          GAS_LIMITS.claimBuyers(Math.min(CLAIM_BUYERS_PAGE, buys)),
        );
    };

    const processEvents = (mined: MinedTx[]) => {
      const events = parseLogs(
        mined.map((m) => m.receipt),
        contracts,
      );
      const orderByHash = new Map(
        mined.filter((m) => m.label.startsWith("placeOrder")).map((m) => [m.hash, m]),
      );
      for (const e of events) {
        const a = e.args as unknown as Record<string, never>;
        switch (e.name) {
          case "OrderPlaced": {
            const slot = slotByChain.get(BigInt(a.slot));
            const tx = orderByHash.get(e.log.transactionHash);
            const order = slot?.orders.find(
              (o) => (o as OrderRecord & { hash?: string }).hash === tx?.hash,
            );
            if (order) order.id = BigInt(a.orderId);
            break;
          }
          case "SlotCleared": {
            const slot = slotByChain.get(BigInt(a.slot));
            if (slot) slot.cleared = { price: BigInt(a.price), quantityWh: BigInt(a.quantityWh) };
            break;
          }
          case "SlotSettled": {
            const slot = slotByChain.get(BigInt(a.slot));
            if (slot)
              slot.settled = {
                deliveredWh: BigInt(a.deliveredWh),
                shortfallWh: BigInt(a.shortfallWh),
                penalties: BigInt(a.penalties),
              };
            break;
          }
          case "ReadingRecorded": {
            const slot = slotByChain.get(BigInt(a.slot));
            slot?.recorded.set(String(a.meter).toLowerCase(), {
              importedWh: Number(a.importedWh),
              exportedWh: Number(a.exportedWh),
            });
            break;
          }
          case "ReadingRejected": {
            const slot = slotByChain.get(BigInt(a.slot));
            slot?.rejected.set(String(a.meter).toLowerCase(), registryError(String(a.reason)));
            break;
          }
          case "CertificatesIssued": {
            const slot = slotByChain.get(BigInt(a.slot));
            slot?.issued.set(String(a.meter).toLowerCase(), {
              amountWh: BigInt(a.amountWh),
              toBuyersWh: BigInt(a.toBuyersWh),
              toOwnerWh: BigInt(a.toOwnerWh),
            });
            break;
          }
          case "CertificatesClaimed": {
            const slot = slotByChain.get(BigInt(a.slot));
            const buyer = String(a.buyer).toLowerCase();
            slot?.claimed.set(buyer, (slot.claimed.get(buyer) ?? 0n) + BigInt(a.amountWh));
            break;
          }
          case "RoundingReturned": {
            const slot = slotByChain.get(BigInt(a.slot));
            const meter = String(a.meter).toLowerCase();
            slot?.returned.set(meter, (slot.returned.get(meter) ?? 0n) + BigInt(a.amountWh));
            break;
          }
          case "SellersCertified": {
            const slot = slotByChain.get(BigInt(a.slot));
            if (slot && Boolean(a.done)) slot.sellersCertified = true;
            break;
          }
          case "BuyersClaimed": {
            const slot = slotByChain.get(BigInt(a.slot));
            if (slot && Boolean(a.done)) slot.buyersClaimed = true;
            break;
          }
          case "IssuanceSkipped":
          case "IssuanceWithheld": {
            const slot = slotByChain.get(BigInt(a.slot));
            slot?.notIssued.add(String(a.meter).toLowerCase());
            break;
          }
          case "TransferSingle": {
            const h =
              String(a.from) === ZeroAddress
                ? byAccount.get(String(a.to).toLowerCase())
                : undefined;
            if (h) h.certificatesReceivedWh += Number(a.value);
            break;
          }
          case "TransferBatch": {
            const h =
              String(a.from) === ZeroAddress
                ? byAccount.get(String(a.to).toLowerCase())
                : undefined;
            if (h)
              for (const v of a.values as unknown as bigint[])
                h.certificatesReceivedWh += Number(v);
            break;
          }
          case "CertificatesRetired":
            totals.retiredWh += BigInt(a.amountWh);
            totals.retirements += 1;
            break;
        }
      }
    };

    // -------------------------------------------------------------------------------------------
    // The ticks.
    // -------------------------------------------------------------------------------------------
    await phase("trading", async () => {
      for (let k = -1; k <= lastTick; k++) {
        const tickTime = startOf(c0 + BigInt(k)) + 1;
        if (timingMode === "real-time") {
          const margin = Math.min(5, Math.floor(slotLength / 10));
          const waitMs = (tickTime + margin) * 1000 - Date.now();
          if (waitMs > 0) await sleep(waitMs);
        }
        // (a) orders for slot k+1
        const j = k + 1;
        if (j >= 0 && j < N) {
          const slot = slots[j]!;
          for (const h of households) {
            const f = h.series.forecast[j]!;
            const intents = strategy.bid({
              household: h.index,
              slot: j,
              forecastNetWh: f.exportWh - f.importWh,
              canSell: h.canSell,
              batterySoc: h.series.spec.battery
                ? j === 0
                  ? h.series.spec.battery.initialSoc
                  : h.series.actual[j - 1]!.storedAfterWh / h.series.spec.battery.capacityWh
                : undefined,
              retailPerWh: scenario.tariffs.retailPerWh,
              feedInPerWh: scenario.tariffs.feedInPerWh,
              rng: bidRng.stream(`${h.index}:${j}`),
            });
            for (const intent of intents) {
              let { quantityWh, limitPricePerWh } = intent;
              const over = faultFor(scenario.faults, "overPromise", h.index, j);
              if (over && intent.side === "sell") {
                // An over-promising seller offers `factor` x its forecast at the feed-in tariff, so it is filled first.
                quantityWh = BigInt(Math.floor(Number(quantityWh) * over.factor));
                limitPricePerWh = scenario.tariffs.feedInPerWh;
              }
              if (quantityWh < marketParams.minOrderWh || (intent.side === "sell" && !h.canSell))
                continue;
              // At the cap the market refuses the order (MarketSlotFull): first come, first served; the
              // household then trades that slot with the grid, as any prosumer whose order was refused.
              if (slot.orders.length >= maxOrdersPerSlot) {
                totals.ordersRefusedAtCap += 1;
                continue;
              }
              const tx = await runner.send(
                h.account,
                `placeOrder ${h.index} slot ${j}`,
                suite.addresses.market,
                market.interface.encodeFunctionData("placeOrder", [
                  slot.chainSlot,
                  SIDE[intent.side],
                  quantityWh,
                  limitPricePerWh,
                  intent.side === "sell" ? h.meter.address : ZeroAddress,
                ]),
                GAS_LIMITS.placeOrder,
              );
              const order: OrderRecord & { hash: string } = {
                id: -1n,
                household: h.index,
                slot: j,
                side: intent.side,
                quantityWh,
                limitPricePerWh,
                fillWh: 0n,
                hash: tx.hash,
              };
              slot.orders.push(order);
            }
          }
        }
        // (b) clear slot k
        if (k >= 0 && k < N && slots[k]!.orders.length > 0) {
          const slot = slots[k]!;
          await runner.send(
            keeper,
            `clear slot ${k}`,
            suite.addresses.market,
            market.interface.encodeFunctionData("clear", [slot.chainSlot]),
            GAS_LIMITS.clear(slot.orders.length),
          );
        }
        // (c) readings of slot k-1, and late readings due now
        const batch: SignedReading[] = [...(lateTicks.get(k) ?? [])];
        const s = k - 1;
        if (s >= 0 && s < N) {
          const slot = slots[s]!;
          for (const h of households) {
            if (faultFor(scenario.faults, "meterOffline", h.index, s)) continue;
            const forged = faultFor(scenario.faults, "forgedSignatures", h.index, s);
            const late = faultFor(scenario.faults, "lateReadings", h.index, s);
            const r = h.series.readings[s]!;
            const signed = await signReading(
              domain,
              forged ? forgerKey(scenario.seed, h.index) : h.meter,
              h.meter.address,
              slot.chainSlot,
              r.importedWh,
              r.exportedWh,
            );
            const key = h.meter.address.toLowerCase();
            if (late) {
              const due = k + late.delaySlots;
              lateTicks.set(due, [...(lateTicks.get(due) ?? []), signed]);
              slot.submitted.set(key, "late");
            } else {
              batch.push(signed);
              slot.submitted.set(key, forged ? "forged" : "on time");
            }
          }
        }
        for (const part of chunk(batch, READINGS_PER_BATCH)) {
          await runner.send(
            hub,
            `trySubmitReadings (${part.length})`,
            suite.addresses.registry,
            registry.interface.encodeFunctionData("trySubmitReadings", [part]),
            GAS_LIMITS.readings(part.length),
          );
        }
        // (d) settle slot k-1-w
        const ss = k - 1 - windowSlots;
        if (ss >= 0 && ss < N && (slots[ss]!.cleared?.quantityWh ?? 0n) > 0n) {
          const slot = slots[ss]!;
          await runner.send(
            keeper,
            `settle slot ${ss}`,
            suite.addresses.market,
            market.interface.encodeFunctionData("settle", [slot.chainSlot]),
            GAS_LIMITS.settle(slot.orders.length),
          );
          await certifySlot(slot);
        }
        // (e) certificates of meters that exported but sold nothing in slot k-2-w
        const si = k - 2 - windowSlots;
        if (si >= 0 && si < N) {
          const slot = slots[si]!;
          const meters = households
            .filter((h) => h.canSell)
            .map((h) => h.meter.address.toLowerCase())
            .filter(
              (m) =>
                (slot.recorded.get(m)?.exportedWh ?? 0) > 0 &&
                !slot.issued.has(m) &&
                !slot.notIssued.has(m),
            );
          for (const part of chunk(meters, ISSUES_PER_BATCH)) {
            await runner.send(
              keeper,
              `issueBatch slot ${si} (${part.length})`,
              suite.addresses.certificates,
              certificates.interface.encodeFunctionData("issueBatch", [
                part,
                part.map(() => slot.chainSlot),
              ]),
              GAS_LIMITS.issueBatch(part.length),
            );
          }
        }
        const mined = await runner.flush(timingMode === "fast-forward" ? tickTime : undefined);
        processEvents(mined);
        // Fills of the slot cleared in this tick.
        if (k >= 0 && k < N && (slots[k]!.cleared?.quantityWh ?? 0n) > 0n) {
          await Promise.all(
            slots[k]!.orders.map(async (o) => {
              o.fillWh = (await market.getFunction("fillOf")(o.id)) as bigint;
            }),
          );
        }
        progress.update(k + 2, tickStatus(slots, k, twin.localHours));
      }
    });
    progress.finish();

    // -------------------------------------------------------------------------------------------
    // Consumers retire the certificates they received (a green-electricity claim).
    // -------------------------------------------------------------------------------------------
    await phase("retire", async () => {
      const ids = [
        ...new Set(slots.flatMap((s) => ([...s.issued.keys()].length > 0 ? [s.chainSlot] : []))),
      ].map((chainSlot) => (chainSlot << 8n) | BigInt(SOURCE.solar));
      const consumers = households.filter((h) => !h.canSell);
      if (ids.length === 0 || consumers.length === 0) return;
      for (const h of consumers) {
        const balances = (await certificates.getFunction("balanceOfBatch")(
          ids.map(() => h.account.address),
          ids,
        )) as bigint[];
        for (let i = 0; i < ids.length; i++) {
          if (balances[i]! === 0n) continue;
          await runner.send(
            h.account,
            `retire ${h.index}`,
            suite.addresses.certificates,
            certificates.interface.encodeFunctionData("retire", [
              ids[i],
              balances[i],
              h.account.address,
              toUtf8Bytes(`green electricity of household ${h.index}`),
            ]),
            GAS_LIMITS.retire,
          );
        }
      }
      processEvents(
        await runner.flush(
          timingMode === "fast-forward" ? (await chain.latestTimestamp()) + 1 : undefined,
        ),
      );
    });

    // -------------------------------------------------------------------------------------------
    // Final balances, then the report.
    // -------------------------------------------------------------------------------------------
    for (const h of households) h.balanceAfter = await balanceOf(h.account.address);
    totals.marketTokenAfter = (await token.getFunction("balanceOf")(
      suite.addresses.market,
    )) as bigint;
    totals.escrowAfter = (await market.getFunction("escrowed")()) as bigint;
    totals.operatorBalanceAfter = await balanceOf(operatorAccount);

    if (deployedNow) {
      const deployTally = await blocksGas(chain, blockBeforeDeploy + 1, blockAfterDeploy);
      runner.tally.set("deployer", {
        transactions: (runner.tally.get("deployer")?.transactions ?? 0) + deployTally.transactions,
        gasUsed: (runner.tally.get("deployer")?.gasUsed ?? 0n) + deployTally.gasUsed,
      });
    }
    const wallSeconds = (performance.now() - wallStart) / 1000;
    phases["send (sign + submit)"] = runner.seconds.send;
    phases["mine + receipts"] = runner.seconds.mine;
    return buildReport({
      scenario,
      chain,
      suite,
      twin,
      households,
      slots,
      totals,
      market: {
        penaltyPerWh: marketParams.penaltyPerWh,
        collateralPerWh: marketParams.sellerCollateralPerWh,
      },
      readingWindowSeconds: readingWindow,
      maxOrdersPerSlot,
      roles: runner.tally,
      actions: runner.actions,
      transactions: runner.transactions,
      wallSeconds,
      phases,
      startedAt: new Date(Date.now() - wallSeconds * 1000).toISOString(),
    });
  } finally {
    await runner.restore();
  }
}

/** A meter's rated capacity: enough for the largest flow the twin will measure, with a margin. */
function ratedCapacityW(h: HouseholdRuntime, slotLength: number): number {
  const peakWh = Math.max(...h.series.readings.map((r) => Math.max(r.importedWh, r.exportedWh)), 1);
  const peakW = (peakWh * 3600) / slotLength;
  // Over-promising sellers still meter what they export; 3x and at least 10 kW keeps readings in range.
  return Math.max(10_000, Math.ceil((peakW * 3) / 1000) * 1000);
}

async function findRoleHolder(
  contract: Contract,
  role: string,
  candidates: string[],
): Promise<string | undefined> {
  for (const address of candidates) {
    if ((await contract.getFunction("hasRole")(role, address)) as boolean) return address;
  }
  return undefined;
}

/** Transactions and gas of the blocks `from`..`to` (the deployment's, on a node nobody else uses). */
async function blocksGas(
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

function tickStatus(slots: SlotRuntime[], k: number, localHours: number[]): string {
  const slot = slots[k];
  if (!slot) return "";
  const h = localHours[k]!; // the slot's middle
  const hh = String(Math.floor(h)).padStart(2, "0");
  const mm = String(Math.floor((h % 1) * 60)).padStart(2, "0");
  const cleared = slot.cleared;
  if (!cleared || cleared.quantityWh === 0n) return `slot ${k} ~${hh}:${mm} no trade`;
  return `slot ${k} ~${hh}:${mm} price ${basePerWhToPricePerKWh(cleared.price)}/kWh traded ${whToKWh(cleared.quantityWh)} kWh`;
}
