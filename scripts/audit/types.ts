// The auditor's records and report. Amounts are Wh; big numbers are kept as bigint in memory and written
// as decimal strings.

export interface EventRef {
  block: number;
  tx: string;
  logIndex: number;
}

export interface Issuance extends EventRef {
  meter: string;
  slot: bigint;
  id: bigint;
  source: number;
  zone: string;
  amountWh: bigint;
  toBuyersWh: bigint;
  toOwnerWh: bigint;
}

export interface Transfer extends EventRef {
  operator: string;
  from: string;
  to: string;
  id: bigint;
  valueWh: bigint;
}

export interface Retirement extends EventRef {
  holder: string;
  beneficiary: string;
  id: bigint;
  amountWh: bigint;
  claimData: string;
}

export interface Withholding extends EventRef {
  meter: string;
  slot: bigint;
  status: number;
}

export interface Skip extends EventRef {
  meter: string;
  slot: bigint;
  reason: string;
}

export interface StatusChange extends EventRef {
  meter: string;
  status: number;
  /** Suspension: the first slot spanned; reinstatement: the last; retirement: the first slot retired. */
  slot: bigint;
}

/** The slots a suspension spans (`lastSlot` null while it lasts): their certificates are withheld. */
export interface SuspensionSpan {
  meter: string;
  firstSlot: bigint;
  lastSlot: bigint | null;
}

/** A buy order's share of a vintage, credited by a claimBuyers page. */
export interface Claim extends EventRef {
  buyer: string;
  slot: bigint;
  id: bigint;
  amountWh: bigint;
}

/** A vintage pool's rounding remainder, returned to the owner of `meter` after the last claim page. */
export interface RoundingReturn extends EventRef {
  meter: string;
  slot: bigint;
  id: bigint;
  amountWh: bigint;
}

/** One page of certifySellers ("sellers") or claimBuyers ("buyers"). */
export interface CertificationPage extends EventRef {
  slot: bigint;
  pass: "sellers" | "buyers";
  fromIndex: bigint;
  toIndex: bigint;
  done: boolean;
}

/**
 * A slot that traded: its settlement (when in the range), the market's record of its orders (when the
 * market still holds them, at the range's end or at the settlement's block) and its certification progress.
 */
export interface TradedSlot {
  slot: bigint;
  settlement?: EventRef & { deliveredWh: bigint };
  /** Q, the filled sell orders (meter, fill) and the buy orders (buyer, fill), in order index; null if recycled. */
  orders: {
    clearedWh: bigint;
    sellOrders: number;
    buyOrders: number;
    sells: { meter: string; fillWh: bigint }[];
    buys: { buyer: string; fillWh: bigint }[];
  } | null;
  /** certificationOf(slot) at the range's end. */
  sellersDone: boolean;
  buyersDone: boolean;
}

/** A market event that moves money (see money.ts), with its decoded arguments by name. */
export interface MarketEvent extends EventRef {
  name: string;
  args: Record<string, bigint | string | number | boolean>;
}

/** The market's money events of the range and the views they are reconciled with, at toBlock. */
export interface MoneyData {
  events: MarketEvent[];
  /** balanceOf(account) for every account the events name. */
  balances: Map<string, { free: bigint; locked: bigint }>;
  escrowed: bigint;
  /** False when the range starts after the market's deployment: earlier events would be missing. */
  complete: boolean;
  /** False when the market does not answer balanceOf / escrowed (a test double). */
  viewsRead: boolean;
}

export interface MeterInfo {
  owner: string;
  source: number;
  status: number;
  index: number;
  zone: string;
}

export interface Reading {
  recorded: boolean;
  exportedWh: bigint;
  /** A suspension spans the slot (IMeterRegistry.isSuspendedIn): nothing of it may be issued. */
  suspended: boolean;
}

/** Everything read from the chain for one audit. */
export interface AuditData {
  chainId: bigint;
  fromBlock: number;
  toBlock: number;
  registry: string;
  market: string;
  certificates: string;
  binding: {
    certificatesRegistry: string;
    certificatesMarket: string;
    marketRegistry: string;
    marketHook: string;
  };
  issuances: Issuance[];
  transfers: Transfer[];
  retirements: Retirement[];
  withholdings: Withholding[];
  skips: Skip[];
  statusChanges: StatusChange[];
  claims: Claim[];
  returns: RoundingReturn[];
  pages: CertificationPage[];
  traded: TradedSlot[];
  meters: Map<string, MeterInfo>;
  /** Status of each meter of interest just before fromBlock (undefined when the node has no history). */
  initialStatus: Map<string, number>;
  /** Readings by `${meter}:${slot}` (lower-case meter). */
  readings: Map<string, Reading>;
  /** Balances by `${account}:${id}` at toBlock, and at fromBlock - 1 (empty when fromBlock is 0). */
  balancesAfter: Map<string, bigint>;
  balancesBefore: Map<string, bigint> | null;
  money: MoneyData;
}

export type CheckStatus = "pass" | "fail" | "skipped";

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface Violation {
  rule: string;
  message: string;
  tx: string;
  meter?: string;
  slot?: string;
  id?: string;
}

export interface AuditReport {
  chainId: string;
  range: { fromBlock: number; toBlock: number; pageSize: number };
  contracts: { registry: string; market: string; certificates: string };
  issuance: Record<string, string | number>[];
  transfers: Record<string, string | number>[];
  retirements: Record<string, string | number>[];
  withheld: Record<string, string | number>[];
  suspensions: Record<string, string | number>[];
  skipped: Record<string, string | number>[];
  perMeter: Record<string, string | number>[];
  perBeneficiary: Record<string, string | number>[];
  perId: Record<string, string | number>[];
  /** Each traded slot's certificates: claimed, not yet claimed or not yet certified. */
  certification: Record<string, string | number>[];
  /** Each order's money from the market's events: lock, fill, payment, delivery, penalty. */
  orders: Record<string, string | number>[];
  /** Each account's free and locked balance from the events, and the market's view of it. */
  accounts: Record<string, string | number>[];
  checks: Check[];
  violations: Violation[];
}

export const key = (a: string, b: bigint | number) => `${a.toLowerCase()}:${b}`;
