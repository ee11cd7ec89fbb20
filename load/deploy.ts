/**
 * Deploys registry, stablecoin and market on a fresh node over JSON-RPC, registers one bidirectional meter
 * per prosumer, and funds every prosumer with ETH (from a default account) and gUSD (minted by the
 * operator, deposited into the market for them). Three default accounts work in parallel, each with its
 * own nonce sequence.
 */
import { ENUMS, enumValue } from "../scripts/lib/enums.js";

import {
  EnergyCertificates__factory,
  EnergyMarket__factory,
  GridStablecoin__factory,
  MeterRegistry__factory,
} from "../typechain-types/index.js";
import {
  certificatesInterface,
  marketInterface,
  registryInterface,
  tokenInterface,
} from "./lib/contracts.js";
import {
  dataHubWallet,
  keeperWallet,
  meterWallet,
  nodeAccount,
  prosumerWallet,
  type Deployment,
} from "./lib/config.js";
import { Journal } from "./lib/journal.js";
import type { Rpc } from "./lib/rpc.js";
import { AccountSender, type TxRequest } from "./lib/sender.js";

export const SLOT_LENGTH = 900;
export const READING_WINDOW = 900;
export const GATE_CLOSURE_SECONDS = 300;
/** The market's highest cap (EnergyMarket.MAX_ORDERS_PER_SLOT), with the certificates bound as in production. */
export const MAX_ORDERS_PER_SLOT = 1_000;
/** 10 kW: at most 2,500 Wh per 15-minute slot. */
export const METER_CAPACITY_W = 10_000;
export const MARKET_PARAMS = {
  minOrderWh: 10n,
  sellerCollateralPerWh: 2n,
  penaltyPerWh: 5n,
  minBuyPricePerWh: 1n,
};
/** What each prosumer deposits: 10,000 gUSD (6 decimals). */
export const DEPOSIT = 10_000n * 10n ** 6n;
/** ETH each transacting account receives. */
const GAS_MONEY = 10n ** 19n;

const MeterKind = { Bidirectional: enumValue(ENUMS.meterKind, "Bidirectional") } as const;
const EnergySource = { Solar: enumValue(ENUMS.energySource, "Solar") } as const;
const ZONE = "0x5a31000000000000"; // "Z1"

export interface SetupResult {
  deployment: Deployment;
  setupTxs: number;
}

async function expectAccepted(sender: AccountSender, request: TxRequest) {
  const result = await sender.submit(request);
  if (result.outcome.status !== "accepted") {
    throw new Error(`setup ${request.meta.what} failed: ${result.outcome.error}`);
  }
  return result;
}

async function latestTimestamp(rpc: Rpc): Promise<number> {
  const block = await rpc.call<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
  return Number(block.timestamp);
}

/** Moves chain time forward to `timestamp` (never back) and mines a block there. */
export async function advanceChainTo(rpc: Rpc, timestamp: number): Promise<void> {
  const now = await latestTimestamp(rpc);
  if (timestamp > now) await rpc.call("evm_increaseTime", [timestamp - now]);
  await rpc.call("evm_mine", []);
}

/** The setup's senders and a counter of the transactions they sent (each must be accepted). */
interface Setup {
  admin: AccountSender;
  funder: AccountSender;
  treasurer: AccountSender;
  rpc: Rpc;
  txs: number;
}

/** One setup transaction: `to` null deploys `data`; `meta.what` names it in the journal and errors. */
async function setupTx(
  setup: Setup,
  sender: AccountSender,
  to: string | null,
  data: string,
  meta: TxRequest["meta"] & { what: string },
  value?: bigint,
) {
  setup.txs += 1;
  return expectAccepted(sender, {
    kind: "setup",
    to,
    data,
    meta,
    ...(value === undefined ? {} : { value }),
  });
}

async function deployed(setup: Setup, what: string, data: string): Promise<string> {
  return (await setupTx(setup, setup.admin, null, data, { what })).contractAddress!;
}

interface Contracts {
  registry: string;
  token: string;
  market: string;
  certificates: string;
}

/** The four contracts, deployed by the admin with the load test's clock and market settings. */
async function deployContracts(
  setup: Setup,
  genesis: number,
  slots: number,
  gridOperatorAccount: string,
): Promise<Contracts> {
  const admin = setup.admin.address;
  const registryDeploy = await new MeterRegistry__factory().getDeployTransaction(
    admin,
    genesis,
    SLOT_LENGTH,
    READING_WINDOW,
    // One slot more than the market's horizon below: the least the market accepts.
    BigInt(slots + 3),
  );
  const registry = await deployed(setup, "registry", registryDeploy.data);
  const tokenDeploy = await new GridStablecoin__factory().getDeployTransaction(admin);
  const token = await deployed(setup, "token", tokenDeploy.data);
  const marketDeploy = await new EnergyMarket__factory().getDeployTransaction({
    token,
    registry,
    admin,
    gridOperator: admin,
    gridOperatorAccount,
    horizonSlots: BigInt(slots + 2),
    gateClosureSeconds: BigInt(GATE_CLOSURE_SECONDS),
    maxOrdersPerSlot: BigInt(MAX_ORDERS_PER_SLOT),
    params: MARKET_PARAMS,
  });
  const market = await deployed(setup, "market", marketDeploy.data);
  const certificatesDeploy = await new EnergyCertificates__factory().getDeployTransaction(
    registry,
    admin,
    "",
  );
  const certificates = await deployed(setup, "certificates", certificatesDeploy.data);
  return { registry, token, market, certificates };
}

/**
 * The certificates bound as the Ignition module binds them (settlement pays money only, and the keeper
 * delivers a traded slot's certificates in pages afterwards), the admin made grid operator (the role id
 * read from the registry, its one home), and the treasurer's deposits minted.
 */
async function bindAndMint(setup: Setup, c: Contracts, total: bigint): Promise<void> {
  const operatorRole = registryInterface.decodeFunctionResult(
    "GRID_OPERATOR_ROLE",
    await setup.rpc.call<string>("eth_call", [
      { to: c.registry, data: registryInterface.encodeFunctionData("GRID_OPERATOR_ROLE") },
      "latest",
    ]),
  )[0] as string;
  const steps: [string, string, string][] = [
    [
      c.market,
      marketInterface.encodeFunctionData("setSettlementHook", [c.certificates]),
      "settlement hook",
    ],
    [
      c.certificates,
      certificatesInterface.encodeFunctionData("bindMarket", [c.market]),
      "bind market",
    ],
    [
      c.registry,
      registryInterface.encodeFunctionData("grantRole", [operatorRole, setup.admin.address]),
      "grant operator",
    ],
    [c.token, tokenInterface.encodeFunctionData("mint", [setup.treasurer.address, total]), "mint"],
  ];
  for (const [to, data, what] of steps) await setupTx(setup, setup.admin, to, data, { what });
}

async function registerMeters(setup: Setup, c: Contracts, indexes: readonly number[]) {
  for (const i of indexes) {
    const data = registryInterface.encodeFunctionData("registerMeter", [
      meterWallet(i).address,
      prosumerWallet(i).address,
      MeterKind.Bidirectional,
      EnergySource.Solar,
      METER_CAPACITY_W,
      ZONE,
      0,
    ]);
    await setupTx(setup, setup.admin, c.registry, data, { what: "meter", prosumer: i });
  }
}

async function sendGasMoney(setup: Setup, indexes: readonly number[]) {
  const recipients = [
    ...indexes.map((i) => prosumerWallet(i).address),
    dataHubWallet().address,
    keeperWallet().address,
  ];
  for (const to of recipients)
    await setupTx(setup, setup.funder, to, "0x", { what: "eth" }, GAS_MONEY);
}

async function deposit(setup: Setup, c: Contracts, indexes: readonly number[], total: bigint) {
  const { treasurer } = setup;
  await setupTx(
    setup,
    treasurer,
    c.token,
    tokenInterface.encodeFunctionData("approve", [c.market, total]),
    { what: "approve" },
  );
  for (const i of indexes) {
    const data = marketInterface.encodeFunctionData("depositFor", [
      prosumerWallet(i).address,
      DEPOSIT,
    ]);
    await setupTx(setup, treasurer, c.market, data, { what: "deposit", prosumer: i });
  }
}

export async function deployAndFund(
  rpc: Rpc,
  prosumers: number,
  slots: number,
  journal: Journal,
): Promise<SetupResult> {
  const chainId = BigInt(await rpc.call<string>("eth_chainId"));
  const deployBlock = Number(await rpc.call<string>("eth_blockNumber")) + 1;
  const open = (index: number) =>
    AccountSender.open(rpc, nodeAccount(index), chainId, journal, `setup${index}`);
  const [admin, funder, treasurer] = await Promise.all([open(0), open(1), open(2)]);
  const setup: Setup = { admin, funder, treasurer, rpc, txs: 0 };
  const gridOperatorAccount = nodeAccount(4).address;

  const now = await latestTimestamp(rpc);
  const genesis = now - (now % SLOT_LENGTH) - 10 * SLOT_LENGTH;
  const contracts = await deployContracts(setup, genesis, slots, gridOperatorAccount);
  const total = DEPOSIT * BigInt(prosumers);
  await bindAndMint(setup, contracts, total);
  const indexes = Array.from({ length: prosumers }, (_, i) => i);
  await Promise.all([
    registerMeters(setup, contracts, indexes),
    sendGasMoney(setup, indexes),
    deposit(setup, contracts, indexes, total),
  ]);

  // Start trading at the beginning of a slot: the next one and `slots - 1` after it are the targets,
  // the first of them closing its gate 600 s of chain time later.
  const after = await latestTimestamp(rpc);
  const currentSlot = Math.floor((after - genesis) / SLOT_LENGTH);
  await advanceChainTo(rpc, genesis + (currentSlot + 1) * SLOT_LENGTH);
  const deployment: Deployment = {
    chainId: chainId.toString(),
    ...contracts,
    gridOperatorAccount,
    deployBlock,
    genesis,
    slotLength: SLOT_LENGTH,
    readingWindow: READING_WINDOW,
    gateClosureSeconds: GATE_CLOSURE_SECONDS,
    meterCapacityW: METER_CAPACITY_W,
    firstSlot: currentSlot + 2,
    slots,
  };
  return { deployment, setupTxs: setup.txs };
}
