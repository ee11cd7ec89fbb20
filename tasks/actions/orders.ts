/**
 * The market's order and slot states as the commands print them, in the order of the enums OrderStatus
 * and SlotStatus of contracts/interfaces/IEnergyMarket.sol (an ABI carries no enum names).
 */
export const SIDES = ["buy", "sell"] as const;
export const ORDER_STATUS = ["none", "live", "cancelled"] as const;
export const SLOT_STATUS = ["none", "open", "cleared", "settled"] as const;

/** The slot an order id belongs to: its bits 64..127 (OrderPacking.decodeOrderId). */
export function orderSlot(orderId: bigint): bigint {
  return (orderId >> 64n) & ((1n << 64n) - 1n);
}

/** One word for an order: cancelled, or its slot's state (open, cleared, settled). */
export function orderState(orderStatus: bigint, slotStatus: bigint): string {
  if (ORDER_STATUS[Number(orderStatus)] === "cancelled") return "cancelled";
  return SLOT_STATUS[Number(slotStatus)] ?? `status ${slotStatus}`;
}
