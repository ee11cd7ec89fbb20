import { expect } from "chai";
import { modelCertification } from "../../scripts/lib/certification.js";
import { certificateChecks, poolAccount } from "../../scripts/sim/certificateChecks.js";
import type { AccountingInput, HouseholdRuntime, SlotRuntime } from "../../scripts/sim/state.js";

const addr = (kind: number, i: number) =>
  `0x${kind.toString(16).padStart(2, "0")}${i.toString(16).padStart(38, "0")}`;

/**
 * A slot of many small sellers and many buy orders, as at dawn on the 1,000-household day: 5 solar meters
 * export 6 Wh each and sell 24 Wh (pool 30 Wh, Q = 120 Wh); 10 buy orders of 9 Wh get floor(30 x 9 / 120)
 * = 2 Wh, 30 of 1 Wh get 0. The rest, 10 Wh, is above the largest delivery (6 Wh): the contract returns 6
 * and leaves 4 unissued. The slot's events are those the chain emits (from the shared model).
 */
function dawnSlot(): AccountingInput {
  const sellers = 5;
  const buyFills = [...Array<bigint>(10).fill(9n), ...Array<bigint>(30).fill(1n)];
  const households = Array.from({ length: sellers + buyFills.length }, (_, index) => ({
    index,
    account: { address: addr(0xaa, index) },
    meter: { address: addr(0xbb, index) },
    canSell: index < sellers,
    certificatesReceivedWh: 0,
  })) as unknown as HouseholdRuntime[];
  const orders = households.map((h, i) => ({
    id: BigInt(i),
    household: h.index,
    slot: 0,
    side: h.canSell ? ("sell" as const) : ("buy" as const),
    quantityWh: h.canSell ? 24n : buyFills[i - sellers]!,
    limitPricePerWh: 200n,
    fillWh: h.canSell ? 24n : buyFills[i - sellers]!,
  }));
  const meter = (h: HouseholdRuntime) => h.meter.address.toLowerCase();
  const model = modelCertification(
    120n,
    households.filter((h) => h.canSell).map((h) => ({ meter: meter(h), fillWh: 24n })),
    households
      .filter((h) => !h.canSell)
      .map((h) => ({
        buyer: h.account.address.toLowerCase(),
        fillWh: buyFills[h.index - sellers]!,
      })),
    () => ({ source: 1, exportedWh: 6n }),
  );
  const slot: SlotRuntime = {
    index: 0,
    chainSlot: 1n,
    orders,
    cleared: { price: 200n, quantityWh: 120n },
    settled: { deliveredWh: 30n, shortfallWh: 90n, penalties: 0n },
    recorded: new Map(
      households
        .filter((h) => h.canSell)
        .map((h) => [meter(h), { exportedWh: 6, importedCommitment: "0x" }]),
    ),
    rejected: new Map(),
    issued: new Map(
      households
        .filter((h) => h.canSell)
        .map((h) => [meter(h), { amountWh: 6n, toBuyersWh: 6n, toOwnerWh: 0n }]),
    ),
    notIssued: new Set(),
    claimed: new Map(
      [...model.claimsByBuyer].map(([b, bySource]) => [
        b,
        [...bySource.values()].reduce((a, x) => a + x, 0n),
      ]),
    ),
    returned: new Map(
      [...model.vintages.values()].map((v) => [v.remainderMeter!, v.returnedWh] as const),
    ),
    sellersCertified: true,
    buyersClaimed: true,
    skipped: [],
    submitted: new Map(),
  };
  for (const h of households) {
    const claims = slot.claimed.get(h.account.address.toLowerCase()) ?? 0n;
    h.certificatesReceivedWh = Number(claims + (slot.returned.get(meter(h)) ?? 0n));
  }
  return { households, slots: [slot] } as unknown as AccountingInput;
}

const poolCheck = (input: AccountingInput) =>
  certificateChecks(input).find((c) => c.name.startsWith("pools = claimed + returned"))!;

describe("sim certificate checks: the pool of a slot with more rounding rest than its largest delivery", function () {
  it("accounts the rest above the remainder meter's delivery, which the contract leaves unissued", function () {
    const input = dawnSlot();
    expect(poolAccount(input.slots[0]!)).to.deep.equal({
      pool: 30n,
      claimed: 20n,
      returned: 6n,
      aboveCapWh: 4n,
      ok: true,
    });
    const check = poolCheck(input);
    expect(check.ok, check.detail).to.equal(true);
    expect(check.detail).to.equal("30 = 20 + 6 + 4 Wh (unissued above the cap in slots 0)");
    expect(certificateChecks(input).filter((c) => !c.ok)).to.deep.equal([]);
  });

  it("still fails when the last page's remainder is missing or above the cap", function () {
    const input = dawnSlot();
    const slot = input.slots[0]!;
    const [meter] = [...slot.returned.keys()];
    slot.returned.clear();
    expect(poolAccount(slot).ok).to.equal(false);
    expect(poolCheck(input).ok).to.equal(false);
    slot.returned.set(meter!, 10n);
    expect(poolAccount(slot).ok).to.equal(false);
    expect(poolCheck(input).detail).to.match(/off in slots 0$/);
  });
});
