/**
 * Deploys registry, stablecoin and market on a fresh node over JSON-RPC, registers one bidirectional meter
 * per prosumer, and funds every prosumer with ETH (from a default account) and gUSD (minted by the
 * operator, deposited into the market for them). Three default accounts work in parallel, each with its
 * own nonce sequence.
 */
import { keccak256, toUtf8Bytes } from "ethers";
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
  const gridOperatorAccount = nodeAccount(4).address;
  let setupTxs = 0;
  const send = async (sender: AccountSender, request: TxRequest) => {
    setupTxs += 1;
    return expectAccepted(sender, request);
  };

  const now = await latestTimestamp(rpc);
  const genesis = now - (now % SLOT_LENGTH) - 10 * SLOT_LENGTH;
  const registryDeploy = await new MeterRegistry__factory().getDeployTransaction(
    admin.address,
    genesis,
    SLOT_LENGTH,
    READING_WINDOW,
    // One slot more than the market's horizon below: the least the market accepts.
    BigInt(slots + 3),
  );
  const registry = (
    await send(admin, {
      kind: "setup",
      to: null,
      data: registryDeploy.data,
      meta: { what: "registry" },
    })
  ).contractAddress!;
  const tokenDeploy = await new GridStablecoin__factory().getDeployTransaction(admin.address);
  const token = (
    await send(admin, { kind: "setup", to: null, data: tokenDeploy.data, meta: { what: "token" } })
  ).contractAddress!;
  const marketDeploy = await new EnergyMarket__factory().getDeployTransaction({
    token,
    registry,
    admin: admin.address,
    gridOperator: admin.address,
    gridOperatorAccount,
    horizonSlots: BigInt(slots + 2),
    gateClosureSeconds: BigInt(GATE_CLOSURE_SECONDS),
    maxOrdersPerSlot: BigInt(MAX_ORDERS_PER_SLOT),
    params: MARKET_PARAMS,
  });
  const market = (
    await send(admin, {
      kind: "setup",
      to: null,
      data: marketDeploy.data,
      meta: { what: "market" },
    })
  ).contractAddress!;

  // The certificates, bound as the Ignition module binds them: settlement pays money only, and the keeper
  // delivers a traded slot's certificates in pages afterwards.
  const certificatesDeploy = await new EnergyCertificates__factory().getDeployTransaction(
    registry,
    admin.address,
    "",
  );
  const certificates = (
    await send(admin, {
      kind: "setup",
      to: null,
      data: certificatesDeploy.data,
      meta: { what: "certificates" },
    })
  ).contractAddress!;
  await send(admin, {
    kind: "setup",
    to: market,
    data: marketInterface.encodeFunctionData("setSettlementHook", [certificates]),
    meta: { what: "settlement hook" },
  });
  await send(admin, {
    kind: "setup",
    to: certificates,
    data: certificatesInterface.encodeFunctionData("bindMarket", [market]),
    meta: { what: "bind market" },
  });

  const operatorRole = keccak256(toUtf8Bytes("GRID_OPERATOR_ROLE"));
  await send(admin, {
    kind: "setup",
    to: registry,
    data: registryInterface.encodeFunctionData("grantRole", [operatorRole, admin.address]),
    meta: { what: "grant operator" },
  });
  const total = DEPOSIT * BigInt(prosumers);
  await send(admin, {
    kind: "setup",
    to: token,
    data: tokenInterface.encodeFunctionData("mint", [treasurer.address, total]),
    meta: { what: "mint" },
  });

  const indexes = Array.from({ length: prosumers }, (_, i) => i);
  const registerMeters = async () => {
    for (const i of indexes) {
      await send(admin, {
        kind: "setup",
        to: registry,
        data: registryInterface.encodeFunctionData("registerMeter", [
          meterWallet(i).address,
          prosumerWallet(i).address,
          MeterKind.Bidirectional,
          EnergySource.Solar,
          METER_CAPACITY_W,
          ZONE,
          0,
        ]),
        meta: { what: "meter", prosumer: i },
      });
    }
  };
  const sendGasMoney = async () => {
    const recipients = [
      ...indexes.map((i) => prosumerWallet(i).address),
      dataHubWallet().address,
      keeperWallet().address,
    ];
    for (const to of recipients) {
      await send(funder, {
        kind: "setup",
        to,
        data: "0x",
        value: GAS_MONEY,
        meta: { what: "eth" },
      });
    }
  };
  const deposit = async () => {
    await send(treasurer, {
      kind: "setup",
      to: token,
      data: tokenInterface.encodeFunctionData("approve", [market, total]),
      meta: { what: "approve" },
    });
    for (const i of indexes) {
      await send(treasurer, {
        kind: "setup",
        to: market,
        data: marketInterface.encodeFunctionData("depositFor", [
          prosumerWallet(i).address,
          DEPOSIT,
        ]),
        meta: { what: "deposit", prosumer: i },
      });
    }
  };
  await Promise.all([registerMeters(), sendGasMoney(), deposit()]);

  // Start trading at the beginning of a slot: the next one and `slots - 1` after it are the targets,
  // the first of them closing its gate 600 s of chain time later.
  const after = await latestTimestamp(rpc);
  const currentSlot = Math.floor((after - genesis) / SLOT_LENGTH);
  await advanceChainTo(rpc, genesis + (currentSlot + 1) * SLOT_LENGTH);
  const deployment: Deployment = {
    chainId: chainId.toString(),
    registry,
    token,
    market,
    certificates,
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
  return { deployment, setupTxs };
}
