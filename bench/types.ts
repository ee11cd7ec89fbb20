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

/** A figure of a whole transaction, or per `unit`, with the issue's `target` if it has one. */
export function fig(
  key: string,
  operation: string,
  gas: number,
  target?: number,
  unit?: string,
): GasFigure {
  return { key, operation, gas, ...(unit ? { unit } : {}), ...(target ? { target } : {}) };
}

/** One costliest slot: every transaction it takes, from clearing to the last certificate page. */
export interface SlotRow {
  /** Stable key, e.g. "slot.certificates.4src.sellerCrowd.100" or "slot.none.buyerCrowd.1000". */
  key: string;
  /** "sellerCrowd" | "buyerCrowd" | "halfAndHalf" (see bench/slotSection.ts). */
  shape: string;
  /** Whether EnergyCertificates is bound (and its pages measured). */
  certificates: boolean;
  /** Renewable sources among the selling meters (1 or 4). */
  sources: number;
  orders: number;
  buyOrders: number;
  sellOrders: number;
  clearGas: number;
  /** The market's settlement (money only). */
  settleGas: number;
  /** Orders per certifySellers / claimBuyers page, and the gas of every page, in order. */
  sellPageOrders?: number;
  buyPageOrders?: number;
  sellPages?: number[];
  buyPages?: number[];
}

/** The largest pages found on the costliest 1,000-order books. */
export interface PageSearch {
  sources: number;
  /** Largest certifySellers page (sell orders) whose first page fits GAS_LIMIT_WITH_MARGIN. */
  sellOrders: number;
  /** Largest claimBuyers page (buy orders) whose first page fits. */
  buyOrders: number;
  /** The worst page measured when delivering in pages of that length, first page full or last page full. */
  worstSellPageGas: number;
  worstBuyPageGas: number;
}

export interface GasSnapshot {
  figures: GasFigure[];
  /** The costliest slots of 10, 100, 500 and 1,000 orders; older snapshots have none. */
  slots?: SlotRow[];
  /** Not guarded: a page found shorter shows as a costlier page in `slots`. */
  pageSearch?: PageSearch[];
}

/** The per-transaction gas cap (EIP-7825) every operation must fit under. */
export const TRANSACTION_GAS_CAP = 16_777_216;
/** Every transaction of a full slot must stay at least this far below the cap (a 10 % margin). */
export const REQUIRED_MARGIN = 0.1;

/** The costliest transaction of a slot. */
export function worstOf(row: SlotRow): number {
  return Math.max(row.clearGas, row.settleGas, ...(row.sellPages ?? []), ...(row.buyPages ?? []));
}

/** Moves the clock forward to `timestamp` unless it is there already. */
export type WarpTo = (timestamp: bigint) => Promise<void>;
