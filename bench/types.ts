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
  settleGas: number;
  settleGasPerSellOrder: number;
  fitsOneTransaction: boolean;
}

export interface GasSnapshot {
  figures: GasFigure[];
  scaling: ScalingRow[];
}

/** The per-transaction gas cap (EIP-7825) every operation must fit under. */
export const TRANSACTION_GAS_CAP = 16_777_216;
