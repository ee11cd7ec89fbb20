/**
 * An independent model of what one settled slot owes: money per account (market rules of IEnergyMarket)
 * and certificates per (holder, id) (rules of IEnergyCertificates: buyers' shares per vintage, rounded
 * down, the remainder back to the owners in delivery order), computed from the orders, their fills,
 * the clearing price and the meters' readings. The integration tests compare the contracts with it to the
 * unit. Units: Wh, token base units, token base units per Wh.
 */

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
  /** Sold energy of each meter delivered per the readings, capped by the export. */
  deliveredByMeter: Map<string, bigint>;
}

const add = (map: Map<string, bigint>, key: string, amount: bigint) =>
  map.set(key, (map.get(key) ?? 0n) + amount);

export const holding = (holder: string, id: bigint) => `${holder.toLowerCase()}/${id}`;

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

  // Sells: a meter's export is assigned to its filled orders in ascending order index.
  const assigned = new Map<string, bigint>();
  let deliveredWh = 0n;
  let shortfallWh = 0n;
  let penalties = 0n;
  for (const sell of input.sells) {
    if (sell.filledWh === 0n) continue;
    const meter = sell.meter!;
    const exported = input.meters.get(meter)?.exportedWh ?? 0n;
    const already = assigned.get(meter) ?? 0n;
    const available = exported > already ? exported - already : 0n;
    const delivered = sell.filledWh < available ? sell.filledWh : available;
    assigned.set(meter, already + delivered);
    const shortfall = sell.filledWh - delivered;
    const collateral = sell.filledWh * input.collateralPerWh;
    const rawPenalty = shortfall * input.penaltyPerWh;
    const penalty = rawPenalty > collateral ? collateral : rawPenalty;
    add(moneyDelta, sell.account, price * delivered - penalty);
    deliveredWh += delivered;
    shortfallWh += shortfall;
    penalties += penalty;
  }
  const gridOperatorPay = price * shortfallWh + penalties;

  // Certificates, per vintage (one id per slot and source): consecutive filled buys of one account form
  // one entry; each entry gets floor(delivered of the vintage * fill / Q); what rounding leaves of a
  // vintage goes back to the owners of its meters in delivery order; each owner gets the rest of its export.
  const entries: { account: string; fill: bigint }[] = [];
  for (const buy of input.buys) {
    if (buy.filledWh === 0n) continue;
    const last = entries[entries.length - 1];
    if (last !== undefined && last.account === buy.account) last.fill += buy.filledWh;
    else entries.push({ account: buy.account, fill: buy.filledWh });
  }
  const certificates = new Map<string, bigint>();
  const deliveredByMeter = new Map<string, bigint>();
  const lots: { meter: string; info: ModelMeter; id: bigint; delivered: bigint }[] = [];
  const byVintage = new Map<bigint, bigint>();
  for (const [meter, delivered] of assigned) {
    deliveredByMeter.set(meter, delivered);
    const info = input.meters.get(meter)!;
    if (info.certificateId === undefined || info.exportedWh === undefined) continue;
    lots.push({ meter, info, id: info.certificateId, delivered });
    byVintage.set(info.certificateId, (byVintage.get(info.certificateId) ?? 0n) + delivered);
  }
  const remainders = new Map(byVintage);
  for (const entry of entries) {
    for (const [id, delivered] of byVintage) {
      const share = q === 0n ? 0n : (delivered * entry.fill) / q;
      if (share === 0n) continue;
      add(certificates, holding(entry.account, id), share);
      remainders.set(id, remainders.get(id)! - share);
    }
  }
  const issues: MeterIssue[] = [];
  for (const lot of lots) {
    const left = remainders.get(lot.id)!;
    const roundedBack = left < lot.delivered ? left : lot.delivered;
    remainders.set(lot.id, left - roundedBack);
    const toBuyersWh = lot.delivered - roundedBack;
    const toOwnerWh = lot.info.exportedWh! - toBuyersWh;
    if (toOwnerWh !== 0n) add(certificates, holding(lot.info.owner, lot.id), toOwnerWh);
    issues.push({
      meter: lot.meter,
      certificateId: lot.id,
      exportedWh: lot.info.exportedWh!,
      deliveredWh: lot.delivered,
      toBuyersWh,
      toOwnerWh,
    });
  }
  return {
    moneyDelta,
    gridOperatorPay,
    deliveredWh,
    shortfallWh,
    penalties,
    issues,
    certificates,
    deliveredByMeter,
  };
}
