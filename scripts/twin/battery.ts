/**
 * A home battery run for self-consumption: it charges from the household's PV surplus and discharges to
 * cover its own deficit, within its power and capacity, losing energy on the way in and out.
 *
 * Efficiencies are split evenly: charge and discharge efficiency are both sqrt(round trip). Per slot:
 *   stored_after = stored_before + chargedWh x etaCharge - dischargedWh / etaDischarge
 * where chargedWh is drawn from the house's AC side and dischargedWh is delivered to it, and
 * 0 <= stored <= capacity, chargedWh and dischargedWh <= maxPowerW x slot hours.
 */
export interface BatterySpec {
  capacityWh: number;
  maxPowerW: number;
  roundTripEfficiency: number;
  /** State of charge at the start, 0..1. */
  initialSoc: number;
  /** The battery keeps this share of its capacity as reserve, 0..1. */
  minSoc: number;
}

export interface BatteryStep {
  /** AC energy taken from the house into the battery, Wh. */
  chargedWh: number;
  /** AC energy delivered by the battery to the house, Wh. */
  dischargedWh: number;
  /** Energy stored after the slot, Wh. */
  storedAfterWh: number;
  /** Conversion losses in the slot, Wh. */
  lossWh: number;
}

/**
 * One slot of self-consumption dispatch: `surplusWh` > 0 is PV beyond the load (charge), < 0 is a deficit
 * (discharge). Returns what the battery took or gave; pure, so forecast and actual share it.
 */
export function dispatchBattery(
  spec: BatterySpec,
  storedWh: number,
  surplusWh: number,
  slotSeconds: number,
): BatteryStep {
  const eta = Math.sqrt(spec.roundTripEfficiency);
  const maxAcWh = (spec.maxPowerW * slotSeconds) / 3600;
  const floorWh = spec.minSoc * spec.capacityWh;
  if (surplusWh > 0) {
    const room = Math.max(0, spec.capacityWh - storedWh);
    const chargedWh = Math.min(surplusWh, maxAcWh, room / eta);
    const storedAfterWh = Math.min(spec.capacityWh, storedWh + chargedWh * eta);
    return {
      chargedWh,
      dischargedWh: 0,
      storedAfterWh,
      lossWh: chargedWh - (storedAfterWh - storedWh),
    };
  }
  const available = Math.max(0, storedWh - floorWh);
  const dischargedWh = Math.min(-surplusWh, maxAcWh, available * eta);
  const storedAfterWh = Math.max(0, storedWh - dischargedWh / eta);
  return {
    chargedWh: 0,
    dischargedWh,
    storedAfterWh,
    lossWh: storedWh - storedAfterWh - dischargedWh,
  };
}
