/**
 * Each household's market energy and money per slot, as the market settles it (scripts/lib/settlement.ts
 * against the recorded readings), and the settlement totals per slot that this model predicts.
 */
import { settleSells } from "../lib/settlement.js";
import type { SlotMoney } from "../report/model.js";
import type { AccountingInput, OrderRecord, SlotRuntime } from "./state.js";

export interface SettledModel {
  deliveredWh: bigint;
  shortfallWh: bigint;
  penalties: bigint;
}

export interface MoneyModel {
  /** Per household index, per twin slot. */
  flows: Map<number, SlotMoney[]>;
  /** Per twin slot: what our model says the market's settlement delivered, fell short and charged. */
  modelSettled: SettledModel[];
}

const noMoney = (): SlotMoney => ({
  boughtWh: 0n,
  soldWh: 0n,
  deliveredWh: 0n,
  shortfallWh: 0n,
  paid: 0n,
  proceeds: 0n,
  penalty: 0n,
});

function settleSlot(input: AccountingInput, slot: SlotRuntime, money: MoneyModel): void {
  const price = slot.cleared?.price ?? 0n;
  const meterOf = new Map(input.households.map((h) => [h.index, h.meter.address.toLowerCase()]));
  const flowOf = (o: OrderRecord) => money.flows.get(o.household)![slot.index]!;
  const filled = slot.orders.filter((o) => o.fillWh !== 0n);
  for (const order of filled.filter((o) => o.side === "buy")) {
    const f = flowOf(order);
    f.boughtWh += order.fillWh;
    f.paid += order.fillWh * price;
  }
  // The market settles sell orders in ascending order index, i.e. in the order they were placed.
  const sells = filled
    .filter((o) => o.side === "sell")
    .map((o) => ({ record: o, meter: meterOf.get(o.household)!, fillWh: o.fillWh }));
  const exportOf = (meter: string) => BigInt(slot.recorded.get(meter)?.exportedWh ?? 0);
  const model = money.modelSettled[slot.index]!;
  for (const s of settleSells(sells, exportOf, input.market).settled) {
    const f = flowOf(s.order.record);
    f.soldWh += s.order.fillWh;
    f.deliveredWh += s.deliveredWh;
    f.shortfallWh += s.shortfallWh;
    f.proceeds += s.deliveredWh * price;
    f.penalty += s.penalty;
    model.deliveredWh += s.deliveredWh;
    model.shortfallWh += s.shortfallWh;
    model.penalties += s.penalty;
  }
}

export function moneyModelOf(input: AccountingInput): MoneyModel {
  const { households, slots } = input;
  const money: MoneyModel = {
    flows: new Map(households.map((h) => [h.index, slots.map(noMoney)])),
    modelSettled: slots.map(() => ({ deliveredWh: 0n, shortfallWh: 0n, penalties: 0n })),
  };
  for (const slot of slots) settleSlot(input, slot, money);
  return money;
}
