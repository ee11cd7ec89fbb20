/**
 * An independent model of what one settled slot owes: money per account (market rules of IEnergyMarket)
 * and certificates per (holder, id) (rules of IEnergyCertificates: each buy order's share of each vintage,
 * rounded down, the remainder to the owner of the vintage's largest delivering meter), computed from the orders, their fills,
 * the clearing price and the meters' readings. The integration tests compare the contracts with it to the
 * unit. Units: Wh, token base units, token base units per Wh.
 */

import { settleSells } from "../../scripts/lib/settlement.js";
import {
  expectedCertification,
  holdingKey,
  type ExpectedCertification,
} from "../helpers/certification.js";

/** A filled or unfilled order as the test placed it, with its fill read back from the market. */
export interface ModelOrder {
  account: string;
  /** Generation meter of a sell order; undefined for a buy. */
  meter?: string;
  quantityWh: bigint;
  limitPrice: bigint;
  filledWh: bigint;
  cancelled?: boolean;
}

/** What a meter is, as far as certificates are concerned. */
export interface ModelMeter {
  owner: string;
  /** Token id of its vintage in the slot; undefined for a non-renewable source (no certificates). */
  certificateId?: bigint;
  /** Recorded export in the slot (undefined: no reading). */
  exportedWh?: bigint;
}

export interface SlotModelInput {
  price: bigint;
  quantityWh: bigint;
  collateralPerWh: bigint;
  penaltyPerWh: bigint;
  /** Buy orders in order-index order. */
  buys: readonly ModelOrder[];
  /** Sell orders in order-index order. */
  sells: readonly ModelOrder[];
  meters: ReadonlyMap<string, ModelMeter>;
}

export interface MeterIssue {
  meter: string;
  certificateId: bigint;
  exportedWh: bigint;
  deliveredWh: bigint;
  toBuyersWh: bigint;
  toOwnerWh: bigint;
}

export interface SlotModel {
  /** Net change of each account's free balance over the slot (buys paid, sells paid less penalties). */
  moneyDelta: Map<string, bigint>;
  /** What the grid operator's account receives: P x shortfall + penalties. */
  gridOperatorPay: bigint;
  deliveredWh: bigint;
  shortfallWh: bigint;
  penalties: bigint;
  /** Per renewable meter that delivered or sold nothing but was settled: its issuance. */
  issues: MeterIssue[];
  /** Certificates per holder and id: key `${holder}/${id}`. */
  certificates: Map<string, bigint>;
  /** Per vintage id: the rounding remainder of its pool and the meter whose owner gets it. */
  remainders: ExpectedCertification["remainders"];
  /** Sold energy of each meter delivered per the readings, capped by the export. */
  deliveredByMeter: Map<string, bigint>;
}

const add = (map: Map<string, bigint>, key: string, amount: bigint) =>
  map.set(key, (map.get(key) ?? 0n) + amount);

export const holding = holdingKey;

/** The model. Throws when the fills break conservation (the test then fails loudly). */
export function modelSlot(input: SlotModelInput): SlotModel {
  const { price, quantityWh: q } = input;
  const moneyDelta = new Map<string, bigint>();
  const buyFills = input.buys.reduce((sum, o) => sum + o.filledWh, 0n);
  const sellFills = input.sells.reduce((sum, o) => sum + o.filledWh, 0n);
  if (buyFills !== q || sellFills !== q) {
    throw new Error(`conservation: buys ${buyFills}, sells ${sellFills}, Q ${q}`);
  }
  for (const buy of input.buys) add(moneyDelta, buy.account, -price * buy.filledWh);

  // Sells: a meter's export is assigned to its filled orders in ascending order index (scripts/lib/settlement.ts).
  const filled = input.sells
    .filter((sell) => sell.filledWh !== 0n)
    .map((sell) => ({ account: sell.account, meter: sell.meter!, fillWh: sell.filledWh }));
  const { settled, deliveredByMeter: assigned } = settleSells(
    filled,
    (meter) => input.meters.get(meter)?.exportedWh ?? 0n,
    input,
  );
  let deliveredWh = 0n;
  let shortfallWh = 0n;
  let penalties = 0n;
  for (const { order, deliveredWh: delivered, shortfallWh: shortfall, penalty } of settled) {
    add(moneyDelta, order.account, price * delivered - penalty);
    deliveredWh += delivered;
    shortfallWh += shortfall;
    penalties += penalty;
  }
  const gridOperatorPay = price * shortfallWh + penalties;

  // Certificates (IEnergyCertificates): each renewable meter with a reading is certified once, its
  // delivery min(export, its fills) into its vintage's pool and the rest to its owner; each filled buy
  // order gets floor(pool x fill / Q); a pool's remainder goes to the owner of its largest delivering meter.
  const deliveredByMeter = new Map(assigned);
  const certification = expectedCertification({
    clearedWh: q,
    buys: input.buys.map((b) => ({ buyer: b.account, fillWh: b.filledWh })),
    sells: input.sells.flatMap((sell) => {
      const info = input.meters.get(sell.meter!);
      if (info?.certificateId === undefined || info.exportedWh === undefined) return [];
      return [
        {
          meter: sell.meter!,
          owner: info.owner,
          id: info.certificateId,
          exportedWh: info.exportedWh,
          fillWh: sell.filledWh,
        },
      ];
    }),
  });
  const issues: MeterIssue[] = certification.lots.map((lot) => ({
    meter: lot.meter,
    certificateId: lot.id,
    exportedWh: lot.exportedWh,
    deliveredWh: assigned.get(lot.meter) ?? 0n,
    toBuyersWh: lot.toBuyersWh,
    toOwnerWh: lot.toOwnerWh,
  }));
  const certificates = certification.balances;
  return {
    moneyDelta,
    gridOperatorPay,
    deliveredWh,
    shortfallWh,
    penalties,
    issues,
    certificates,
    remainders: certification.remainders,
    deliveredByMeter,
  };
}
