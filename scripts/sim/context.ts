/**
 * What every step of the simulated day shares: the chain and its suite, the senders, the households and
 * the slots being traded. Built once by setup.ts and clock.ts; the steps read it and record into it.
 */
import type { Chain } from "../lib/chain.js";
import type { Suite } from "../lib/deployment.js";
import type { Scenario } from "../scenario/schema.js";
import type { TwinResult } from "../twin/community.js";
import type { HouseholdRuntime, RunTotals, SlotRuntime } from "./state.js";
import type { Actor, TxRunner } from "./transactions.js";

export type TimingMode = "fast-forward" | "real-time";

/** The market's settings the run depends on, read once from the deployed contracts. */
export interface MarketFacts {
  genesis: number;
  slotLength: number;
  readingWindow: number;
  minOrderWh: bigint;
  sellerCollateralPerWh: bigint;
  penaltyPerWh: bigint;
  maxOrdersPerSlot: number;
  maxOrdersPerSide: number;
  /** Seconds before a slot's start at which its gate closes (orders refused after). */
  gateClosureSeconds: number;
  /** The market's OrderRouter (signed orders, relayed in batches). */
  orderRouter: string;
}

/** The role accounts that send the suite's transactions. */
export interface Actors {
  deployer: Actor;
  operator: Actor;
  hub: Actor;
  keeper: Actor;
  /** Submits the households' signed orders in batches (relayed flow) and pays their gas. */
  aggregator: Actor;
}

export interface RunContext {
  chain: Chain;
  scenario: Scenario;
  suite: Suite;
  twin: TwinResult;
  timingMode: TimingMode;
  facts: MarketFacts;
  runner: TxRunner;
  actors: Actors;
  households: HouseholdRuntime[];
  totals: RunTotals;
}

/** The traded day laid on the chain's slots (clock.ts). */
export interface DayPlan {
  /** The chain slot of the twin's first slot. */
  firstChainSlot: bigint;
  slots: SlotRuntime[];
  slotByChain: Map<bigint, SlotRuntime>;
  /** The reading window in slots. */
  windowSlots: number;
  /** The last tick that has work (settlement, issuance, late readings). */
  lastTick: number;
  /** The start (seconds) of a chain slot. */
  startOf: (chainSlot: bigint) => number;
}
