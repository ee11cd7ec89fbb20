/**
 * What a simulation run reports. Energy is in Wh (JS numbers: exact up to 9e15 Wh), money in token base
 * units (bigint, serialised as decimal strings), prices in base units per Wh. Human units are derived
 * only when the report is written.
 */
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
  ok: boolean;
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
