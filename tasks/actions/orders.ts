/**
 * The market's order and slot states as the commands print them: the members of the enums Side,
 * OrderStatus and SlotStatus of contracts/interfaces/IEnergyMarket.sol in lower case, read from the
 * compiler output (scripts/lib/enums.ts).
 */
import { ENUMS, enumChoices } from "../../scripts/lib/enums.js";

/** "buy" or "sell". */
export function sideName(side: bigint | number): string {
  return enumChoices(ENUMS.side)[Number(side)] ?? `side ${side}`;
}

/** "none", "open", "cleared" or "settled". */
export function slotStatusName(status: bigint | number): string {
  return enumChoices(ENUMS.slotStatus)[Number(status)] ?? `status ${status}`;
}

/** "none", "live" or "cancelled". */
export function orderStatusName(status: bigint | number): string {
  return enumChoices(ENUMS.orderStatus)[Number(status)] ?? `status ${status}`;
}

/** The slot an order id belongs to: its bits 64..127 (OrderPacking.decodeOrderId). */
export function orderSlot(orderId: bigint): bigint {
  return (orderId >> 64n) & ((1n << 64n) - 1n);
}

/** One word for an order: cancelled, or its slot's state (open, cleared, settled). */
export function orderState(orderStatus: bigint, slotStatus: bigint): string {
  if (orderStatusName(orderStatus) === "cancelled") return "cancelled";
  return slotStatusName(slotStatus);
}
