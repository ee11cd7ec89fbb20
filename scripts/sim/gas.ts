/**
 * Explicit gas limits of the simulation's transactions: about twice the largest gasUsed measured on the
 * default scenario (the unused part is never paid), per-item terms scaling with the batch, and never above
 * the per-transaction cap of current chains (EIP-7825: 2^24 gas). A transaction that runs out says which
 * limit to raise.
 */
const TX_GAS_CAP = BigInt(process.env.SIM_TX_GAS_CAP ?? 16_777_216); // raise only on a chain without the cap
const capped = (gas: bigint) => (gas < TX_GAS_CAP ? gas : TX_GAS_CAP);

export const GAS_LIMITS = {
  transfer: 21_000n,
  registerMeter: 250_000n,
  mint: 150_000n,
  approve: 100_000n,
  depositFor: 250_000n,
  placeOrder: 220_000n,
  // Per signed order: a placement (at most about 70k, gas/GAS.md), its calldata, the signature check and the
  // nonce; MAX_RELAY_BATCH (scripts/scenario/schema.ts) orders stay under the cap.
  placeSignedOrders: (orders: number) => capped(100_000n + 120_000n * BigInt(orders)),
  clear: (orders: number) => capped(200_000n + 30_000n * BigInt(orders)),
  readings: (count: number) => capped(100_000n + 60_000n * BigInt(count)),
  settle: (orders: number) => capped(300_000n + 150_000n * BigInt(orders)),
  // Per order of the page: a new meter's issuance (registry reads, a bit, a mint, an event) at most.
  certifySellers: (orders: number) => capped(200_000n + 90_000n * BigInt(orders)),
  // Per order of the page: one credit per vintage, up to four renewable sources (about 122k, gas/GAS.md).
  claimBuyers: (orders: number) => capped(200_000n + 130_000n * BigInt(orders)),
  issueBatch: (count: number) => capped(100_000n + 80_000n * BigInt(count)),
  retire: 80_000n,
};

export const READINGS_PER_BATCH = 100;
export const ISSUES_PER_BATCH = 100;

/** `items` cut into consecutive batches of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
