/**
 * What a simulation run reports. Energy is in Wh (JS numbers: exact up to 9e15 Wh), money in token base
 * units (bigint, serialised as decimal strings), prices in base units per Wh. Human units are derived
 * only when the report is written.
 */
import type { Provenance } from "./provenance.js";

export interface SlotReport {
  /** Twin slot index, 0-based. */
  index: number;
  chainSlot: bigint;
  /** Local time of day at the slot's start, "HH:MM" (twin clock). */
  localTime: string;
  /** Uniform clearing price, base units per Wh (null when nothing cleared). */
  clearingPricePerWh: bigint | null;
  buyOrders: number;
  sellOrders: number;
  /** Energy matched at clearing, Wh. */
  tradedWh: number;
  /** Traded energy covered by the sellers' metered export, Wh. */
  settledWh: number;
  /** Traded energy the sellers did not deliver, Wh. */
  shortfallWh: number;
  generationWh: number;
  consumptionWh: number;
  gridImportWh: number;
  gridExportWh: number;
  /** Sum over households of |metered net - forecast net| (the forecast they bid on), Wh. */
  imbalanceWh: number;
  penalties: bigint;
  /** Money buyers paid at clearing, base units. */
  buyerPayments: bigint;
  /** Money sellers received at settlement, base units. */
  sellerProceeds: bigint;
  readingsRecorded: number;
  readingsRejected: number;
  /** Signed orders of the slot the router skipped: household, side, quantity and the decoded reason. */
  ordersSkipped: Array<{ household: number; side: string; quantityWh: number; reason: string }>;
}

export interface HouseholdReport {
  index: number;
  name: string;
  kind: string;
  account: string;
  meter: string;
  pvPeakKw: number;
  batteryKwh: number;
  generationWh: number;
  consumptionWh: number;
  importWh: number;
  exportWh: number;
  boughtWh: number;
  soldWh: number;
  deliveredWh: number;
  shortfallWh: number;
  /** Cost of the metered flows with no community market: import x retail - export x feed-in. */
  baselineCost: bigint;
  /** Cost with the market: market payments - proceeds + penalties + residual import x retail - residual export x feed-in. */
  actualCost: bigint;
  savings: bigint;
  penaltiesPaid: bigint;
  certificatesReceivedWh: number;
  readingsRejected: number;
  /** Its bidding strategy's name (reports before per-household strategies have none). */
  strategy?: string;
  /** Whether its PV and load came from measured profiles. */
  measured?: boolean;
}

/** One household in one slot (household_slots.csv); Wh, base units, base units per Wh. */
/** A household's market result in one slot, as the accounting computes it. */
export interface SlotMoney {
  boughtWh: bigint;
  soldWh: bigint;
  deliveredWh: bigint;
  shortfallWh: bigint;
  paid: bigint;
  proceeds: bigint;
  penalty: bigint;
}

export interface HouseholdSlotReport extends SlotMoney {
  household: number;
  slot: number;
  localTime: string;
  kind: string;
  strategy: string;
  /** PV and load come from the scenario's measured profiles. */
  measured: boolean;
  pvWh: number;
  loadWh: number;
  /** Metered at the grid connection, whole Wh. */
  importWh: number;
  exportWh: number;
  chargedWh: number;
  dischargedWh: number;
  /** Battery state of charge at the slot's end, 0..1 (null without a battery). */
  batterySoc: number | null;
  forecastPvWh: number;
  forecastLoadWh: number;
  /** Forecast export - import (what the household bid on). */
  forecastNetWh: number;
  /** Metered export - import. */
  actualNetWh: number;
  buyOrderWh: bigint;
  /** Quantity-weighted limit of its buy orders (null: none placed). */
  buyLimitPerWh: bigint | null;
  sellOrderWh: bigint;
  sellLimitPerWh: bigint | null;
  clearingPricePerWh: bigint | null;
  /** How the reading was sent: "on time", "late", "forged", "" (not sent). */
  submitted: string;
  /** "recorded", "rejected <error>", "missing". */
  reading: string;
}

export interface RoleStats {
  role: string;
  transactions: number;
  gasUsed: bigint;
}

/** Gas per kind of transaction (placeOrder, clear, settle, trySubmitReadings...). */
export interface ActionStats {
  action: string;
  transactions: number;
  gasUsed: bigint;
  maxGas: bigint;
}

export interface LedgerCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface FaultObservation {
  type: string;
  household?: number;
  slots: string;
  expected: string;
  observed: string;
  /** The effect matched the expectation (true, too, when nothing was injected). */
  ok: boolean;
  /** False when no slot of the fault's window is in the run: nothing was injected. */
  injected: boolean;
}

export interface CertificateSummary {
  issuedWh: number;
  /** Put into the buyers' pools by certifySellers (energy the market delivered). */
  bundledWh: number;
  /** Credited to buy orders by claimBuyers, and the pools' rounding remainders returned to owners. */
  claimedWh: number;
  returnedWh: number;
  retiredWh: number;
}

export interface RunInfo {
  /** The run's name (`--name`, default <scenario>-<strategies>-<UTC time>); set by `simulate`. */
  name?: string;
  /** Scenario, strategies, commit, tools (scripts/report/provenance.ts); set by `simulate`. */
  provenance?: Provenance;
  scenario: string;
  description: string;
  seed: string;
  network: string;
  chainId: number;
  households: number;
  slots: number;
  slotLengthSeconds: number;
  currency: string;
  retailPerWh: bigint;
  feedInPerWh: bigint;
  startedAt: string;
  wallSeconds: number;
  transactions: number;
  transactionsPerSecond: number;
  /** Orders not placed because their slot had reached the market's per-slot order cap. */
  ordersRefusedAtCap: number;
  /** The market's per-slot order cap. */
  maxOrdersPerSlot: number;
  /** How orders reached the market: signed and relayed by the aggregator, or each household's own. */
  orderFlow: "relayed" | "direct";
  /** Orders the aggregator kept back because their side of the slot was full (largest bids kept). */
  ordersHeldBackAtCap: number;
  /** Signed orders the router skipped (SignedOrderSkipped), by error name; per order in slots[].skipped. */
  ordersSkipped: Record<string, number>;
  /** Where the wall time went, seconds per phase. */
  phases: Record<string, number>;
  contracts: Record<string, string>;
}

export interface SimulationReport {
  run: RunInfo;
  slots: SlotReport[];
  households: HouseholdReport[];
  roles: RoleStats[];
  actions: ActionStats[];
  certificates: CertificateSummary;
  faults: FaultObservation[];
  ledger: LedgerCheck[];
  /** Per household and slot (written to household_slots.csv, left out of report.json for its size). */
  series?: HouseholdSlotReport[];
  totals: {
    tradedWh: number;
    settledWh: number;
    shortfallWh: number;
    generationWh: number;
    consumptionWh: number;
    gridImportWh: number;
    gridExportWh: number;
    /** Share of consumption covered by the community's own generation, 0..1. */
    selfSufficiency: number;
    savings: bigint;
    penalties: bigint;
    gasUsed: bigint;
  };
}

/** JSON.stringify that writes bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}
