/**
 * What the driver hands its client and data-hub processes (as a JSON file), and the deterministic keys
 * of every account of the run. Units: seconds for chain time, Wh and token base units per Wh.
 */
import { HDNodeWallet, Wallet, id } from "ethers";
import { Rng } from "../../scripts/lib/prng.js";

import type { RpcStats } from "./rpc.js";

/** The slot clock and the contracts of one run. */
export interface Deployment {
  chainId: string;
  registry: string;
  token: string;
  market: string;
  /** The certificates bound to the market: a traded slot's pages run after its settlement. */
  certificates: string;
  gridOperatorAccount: string;
  /** Block of the first deployment: event scans start here. */
  deployBlock: number;
  genesis: number;
  slotLength: number;
  readingWindow: number;
  gateClosureSeconds: number;
  /** Rated capacity of every prosumer meter, W. */
  meterCapacityW: number;
  /** The run trades slots firstSlot .. firstSlot + slots - 1 and no other. */
  firstSlot: number;
  slots: number;
}

export interface ClientConfig {
  name: string;
  url: string;
  deployment: Deployment;
  /** Indexes of the prosumers this process owns (see prosumerWallet). */
  prosumers: number[];
  seed: number;
  journal: string;
  /** Bounds of the run: operations per account and an absolute deadline (epoch ms). */
  maxOpsPerAccount: number;
  deadline: number;
}

export interface DataHubConfig {
  name: string;
  url: string;
  deployment: Deployment;
  /** Prosumer indexes whose meters the hub reads. */
  meters: number[];
  batchSize: number;
  seed: number;
  journal: string;
  deadline: number;
}

/** Messages between the driver and its processes (Node IPC). */
export type ToChild = { type: "stop" } | { type: "readings"; slot: number };
export type FromChild =
  | { type: "ready"; name: string; recovered: number; liveOrders: number }
  | { type: "readingsDone"; slot: number; recorded: number; failedBatches: number }
  | { type: "done"; name: string; ops: number; rpc: RpcStats };

/** The well-known development mnemonic of `hardhat node`. */
const NODE_MNEMONIC = "test test test test test test test test test test test junk";

/** Funded default account `index` of the hardhat node. */
export function nodeAccount(index: number): Wallet {
  const hd = HDNodeWallet.fromPhrase(NODE_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
  return new Wallet(hd.privateKey);
}

/** Trading key of prosumer `index`. */
export const prosumerWallet = (index: number) =>
  new Wallet(id(`gridledger load prosumer ${index}`));
/** Device key (and identity) of prosumer `index`'s bidirectional meter. */
export const meterWallet = (index: number) => new Wallet(id(`gridledger load meter ${index}`));
/** The data hub's transaction key. */
export const dataHubWallet = () => new Wallet(id("gridledger load data hub"));
/** The key of the driver's keeper, which clears and settles slots. */
export const keeperWallet = () => new Wallet(id("gridledger load keeper"));

/** Last second (exclusive) at which `slot` takes orders. */
export const gateClosureOf = (d: Deployment, slot: number) =>
  d.genesis + slot * d.slotLength - d.gateClosureSeconds;
export const slotEndOf = (d: Deployment, slot: number) => d.genesis + (slot + 1) * d.slotLength;
/** First second at which `slot` can be settled. */
export const readingWindowEndOf = (d: Deployment, slot: number) =>
  slotEndOf(d, slot) + d.readingWindow;
export const targetSlots = (d: Deployment) =>
  Array.from({ length: d.slots }, (_, i) => d.firstSlot + i);

/** Seeded numbers in [0, 1) from the twin's generator (scripts/lib/prng.ts), so a run's choices repeat for a given seed. */
export function random(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** An integer in [low, high]. */
export const between = (rng: () => number, low: number, high: number) =>
  low + Math.floor(rng() * (high - low + 1));
