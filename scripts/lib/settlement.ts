/**
 * The market's settlement of a slot's sell orders (IEnergyMarket, EnergyMarket._settleSellOrder), written
 * once: the simulation's ledger checks and the integration tests both recompute settlement with it and
 * compare with the chain. Units: Wh, token base units, token base units per Wh.
 */

/** Settlement of one filled sell order. */
export interface SellSettlement {
  deliveredWh: bigint;
  /** fill - delivered: what the grid operator supplied instead. */
  shortfallWh: bigint;
  /** shortfall x penalty rate, capped at the order's collateral (fill x collateral rate). */
  penalty: bigint;
}

export interface SettlementRates {
  penaltyPerWh: bigint;
  collateralPerWh: bigint;
}

/** One filled sell order against the export still unassigned on its meter. */
export function settleSell(
  fillWh: bigint,
  unassignedExportWh: bigint,
  penaltyPerWh: bigint,
  collateralPerWh: bigint,
): SellSettlement {
  const available = unassignedExportWh > 0n ? unassignedExportWh : 0n;
  const deliveredWh = fillWh < available ? fillWh : available;
  const shortfallWh = fillWh - deliveredWh;
  const uncapped = shortfallWh * penaltyPerWh;
  const collateral = fillWh * collateralPerWh;
  return { deliveredWh, shortfallWh, penalty: uncapped > collateral ? collateral : uncapped };
}

/** A filled sell order of the slot and the meter it sells from. */
export interface SellFill {
  meter: string;
  fillWh: bigint;
}

/**
 * A slot's filled sell orders, given in ascending order index (the order the market settles them in): each
 * meter's recorded export is assigned to its orders in that order, the rest of each fill is shortfall.
 * Returns each order's settlement (same index as given) and the Wh delivered per meter.
 */
export function settleSells<T extends SellFill>(
  sells: readonly T[],
  exportOf: (meter: string) => bigint,
  rates: SettlementRates,
): { settled: Array<{ order: T } & SellSettlement>; deliveredByMeter: Map<string, bigint> } {
  const deliveredByMeter = new Map<string, bigint>();
  const settled = sells.map((order) => {
    const already = deliveredByMeter.get(order.meter) ?? 0n;
    const s = settleSell(
      order.fillWh,
      exportOf(order.meter) - already,
      rates.penaltyPerWh,
      rates.collateralPerWh,
    );
    deliveredByMeter.set(order.meter, already + s.deliveredWh);
    return { order, ...s };
  });
  return { settled, deliveredByMeter };
}
