/**
 * Figures of the gas table before the liveness change (settlement hook inside `settle`), as committed on
 * `main` in gas/gas-snapshot.json. GAS.md compares the fresh figures with them, so that what got worse is
 * stated next to what got better. Each entry maps a figure of today to the old one it replaces.
 */
export interface PreviousFigure {
  /** Key of today's figure (a GasFigure key, or `<slot key>.clear` / `.settle`). */
  key: string;
  /** What the old table measured, when it differs from today's figure. */
  before: string;
  gas: number;
}

export const PREVIOUS: PreviousFigure[] = [
  { key: "registry.registerMeter", before: "", gas: 120_175 },
  { key: "registry.submitReading.freshWord", before: "", gas: 58_554 },
  { key: "registry.submitReadings.batch100.freshWord", before: "", gas: 37_508 },
  { key: "registry.submitReadings.batch100.warmWord", before: "", gas: 20_408 },
  { key: "market.place.first.cold", before: "", gas: 87_471 },
  { key: "market.place.later.cold", before: "", gas: 63_145 },
  { key: "market.place.sell.cold", before: "", gas: 74_332 },
  { key: "market.cancel.cold", before: "", gas: 37_745 },
  { key: "market.place.first.warm", before: "", gas: 53_283 },
  {
    key: "market.place.first.warm.certified",
    before: "ring position reused, no call to the certificates then",
    gas: 53_283,
  },
  { key: "market.place.later.warm", before: "", gas: 46_057 },
  { key: "market.place.sell.warm", before: "", gas: 57_244 },
  { key: "market.cancel.buy.warm", before: "", gas: 37_757 },
  { key: "market.cancel.sell.warm", before: "", gas: 39_909 },
  { key: "market.deposit.first", before: "", gas: 121_187 },
  { key: "market.deposit.later", before: "", gas: 54_835 },
  { key: "market.withdraw.part", before: "", gas: 46_795 },
  { key: "market.withdraw.all", before: "", gas: 41_995 },
  { key: "certificates.issueBatch.freshWord", before: "", gas: 47_430 },
  { key: "certificates.issue.first", before: "", gas: 79_499 },
  { key: "certificates.issue.existingHolder", before: "", gas: 62_399 },
  { key: "certificates.issue.newHolder", before: "", gas: 79_499 },
  { key: "certificates.issueBatch.existingHolder", before: "", gas: 31_049 },
  {
    key: "certificates.certifySellers.perMeter.warm",
    before: "settlement hook, each further meter (owner an existing holder)",
    gas: 21_566,
  },
  {
    key: "certificates.claimBuyers.perBuyOrder.newHolder",
    before: "settlement hook, each further buyer, new holder",
    gas: 23_479,
  },
  {
    key: "certificates.claimBuyers.perBuyOrder.existingHolder",
    before: "settlement hook, each further buyer, existing holder",
    gas: 6_377,
  },
  { key: "certificates.retire.newBeneficiary", before: "", gas: 34_977 },
  { key: "certificates.retire.existingBeneficiary", before: "", gas: 34_977 },
  { key: "certificates.retire.withText", before: "", gas: 34_965 },
  {
    key: "market.clear.perOrder",
    before: "a different book: 50 buys vs 50 sells at spread limits, not all filled",
    gas: 11_440,
  },
  {
    key: "market.settle.perSellOrder",
    before: "the same different book, readings covering 80 % (shortfalls)",
    gas: 14_915,
  },
  { key: "slot.none.sellerCrowd.1000.clear", before: "", gas: 7_733_195 },
  { key: "slot.none.sellerCrowd.1000.settle", before: "", gas: 14_090_009 },
  { key: "slot.none.buyerCrowd.1000.clear", before: "", gas: 13_002_291 },
  { key: "slot.none.buyerCrowd.1000.settle", before: "", gas: 76_231 },
  { key: "slot.none.halfAndHalf.1000.clear", before: "", gas: 10_162_250 },
  { key: "slot.none.halfAndHalf.1000.settle", before: "", gas: 7_053_271 },
];
