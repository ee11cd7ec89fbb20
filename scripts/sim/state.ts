/** What the driver records while a day is traded, for the accounting afterwards. */
import type { Wallet } from "ethers";
import type { Chain } from "../lib/chain.js";
import type { Suite } from "../lib/deployment.js";
import type { Scenario } from "../scenario/schema.js";
import type { HouseholdSeries, TwinResult } from "../twin/community.js";
import type { Side } from "../strategy/types.js";
import type { Actor, Role, RoleTally } from "./transactions.js";

export interface OrderRecord {
  id: bigint;
  household: number;
  /** Twin slot index. */
  slot: number;
  side: Side;
  quantityWh: bigint;
  limitPricePerWh: bigint;
  fillWh: bigint;
}

/** A signed order the router did not place, and why (the decoded error of SignedOrderSkipped). */
export interface SkippedOrder {
  household: number;
  slot: number;
  side: Side;
  quantityWh: bigint;
  nonce: number;
  nonceConsumed: boolean;
  /** The error's name and arguments, e.g. `MarketInsufficientBalance(account=..., free=..., needed=...)`. */
  reason: string;
}

export interface HouseholdRuntime {
  index: number;
  series: HouseholdSeries;
  account: Actor;
  meter: Wallet;
  canSell: boolean;
  /** The household's next order nonce in the market (`market.nonceOf`), for the orders it signs. */
  orderNonce: number;
  depositBase: bigint;
  /** Market balance (free + locked) before this run. */
  balanceBefore: bigint;
  balanceAfter: bigint;
  certificatesReceivedWh: number;
}

export interface SlotRuntime {
  index: number;
  chainSlot: bigint;
  orders: OrderRecord[];
  cleared?: { price: bigint; quantityWh: bigint };
  settled?: { deliveredWh: bigint; shortfallWh: bigint; penalties: bigint };
  /** Recorded readings by meter address (lower case): the chain keeps only a commitment to the import. */
  recorded: Map<string, { exportedWh: number; importedCommitment: string }>;
  /** Refused readings: meter address (lower case) -> error name. */
  rejected: Map<string, string>;
  /** Certificates issued by meter (lower case): amount, to buyers, to owner. */
  issued: Map<string, { amountWh: bigint; toBuyersWh: bigint; toOwnerWh: bigint }>;
  /** Meters whose issuance was skipped or withheld (lower case). */
  notIssued: Set<string>;
  /** Certificates the claim pages credited, by buyer account (lower case), all vintages together. */
  claimed: Map<string, bigint>;
  /** Rounding remainders returned to owners, by meter (lower case). */
  returned: Map<string, bigint>;
  /** Whether the last certifySellers and claimBuyers pages reported done. */
  sellersCertified: boolean;
  buyersClaimed: boolean;
  /** Signed orders the router skipped (SignedOrderSkipped), with their decoded reasons. */
  skipped: SkippedOrder[];
  /** Readings signed and submitted for this slot, by meter (lower case): "on time" | "late" | "forged". */
  submitted: Map<string, "on time" | "late" | "forged">;
}

export interface RunTotals {
  retiredWh: bigint;
  retirements: number;
  /** Token balance of the market before the run and after it. */
  marketTokenBefore: bigint;
  marketTokenAfter: bigint;
  escrowBefore: bigint;
  escrowAfter: bigint;
  operatorBalanceBefore: bigint;
  operatorBalanceAfter: bigint;
  depositsBase: bigint;
  /** Orders the market refused because their slot was at its order cap (MarketSlotFull). */
  ordersRefusedAtCap: number;
  /**
   * Orders the aggregator did not submit because their side of the slot was full (the market's side cap):
   * it keeps the largest bids, and the household trades the rest with the grid.
   */
  ordersHeldBackAtCap: number;
}

/** Everything the report is built from: the scenario, the twin, and what the run recorded. */
export interface AccountingInput {
  scenario: Scenario;
  chain: Chain;
  suite: Suite;
  twin: TwinResult;
  households: HouseholdRuntime[];
  slots: SlotRuntime[];
  totals: RunTotals;
  market: { penaltyPerWh: bigint; collateralPerWh: bigint };
  /** The deployed registry's reading window, seconds. */
  readingWindowSeconds: number;
  roles: Map<Role, RoleTally>;
  actions: Map<string, RoleTally & { maxGas: bigint }>;
  transactions: number;
  wallSeconds: number;
  phases: Record<string, number>;
  startedAt: string;
  maxOrdersPerSlot: number;
}
