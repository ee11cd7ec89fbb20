/** One measured gas figure of a user-facing operation. */
export interface GasFigure {
  /** Stable key used by the guard to compare runs, e.g. "market.place.later". */
  key: string;
  /** Human description of the operation and its state (first-time / steady-state). */
  operation: string;
  /** Measured gasUsed of the transaction, or per unit when `unit` is set. */
  gas: number;
  /** What `gas` is counted per ("order", "reading", ...); absent for a whole transaction. */
  unit?: string;
  /** The target for this figure, same basis as `gas`. */
  target?: number;
}

/** A row of the scaling table: one slot of `orders` orders cleared and settled. */
export interface ScalingRow {
  orders: number;
  sellOrders: number;
  clearGas: number;
  clearGasPerOrder: number;
  /** Settlement of a market without settlement hook. */
  settleGas: number;
  settleGasPerSellOrder: number;
  /** Settlement with EnergyCertificates bound as hook; absent above MAX_ORDERS_PER_SLOT_WITH_HOOK. */
  settleWithHookGas?: number;
  settleWithHookGasPerSellOrder?: number;
  /** Whether clearing and every measured settlement fit one transaction. */
  fitsOneTransaction: boolean;
}

/** A costliest full slot: the figures that justify a per-slot order cap. */
export interface WorstCaseRow {
  /** Stable key, e.g. "worst.certificates.sellerCrowd.160". */
  key: string;
  /** What the book looks like. */
  shape: string;
  /** "none" (market alone) or "certificates" (EnergyCertificates bound as settlement hook). */
  hook: string;
  orders: number;
  sellOrders: number;
  clearGas: number;
  settleGas: number;
}

export interface GasSnapshot {
  figures: GasFigure[];
  scaling: ScalingRow[];
  worstCases?: WorstCaseRow[];
}

/** The per-transaction gas cap (EIP-7825) every operation must fit under. */
export const TRANSACTION_GAS_CAP = 16_777_216;
/** A full slot must clear and settle at least this far below the cap (a 10 % margin). */
export const REQUIRED_MARGIN = 0.1;
