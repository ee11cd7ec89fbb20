/** Number and book formatting shared by bench/render.ts and bench/compare.ts. */
import { TRANSACTION_GAS_CAP, type SlotRow } from "./types.js";

export const number = (value: number) => value.toLocaleString("en-US");
export const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
/** How far below the per-transaction cap a transaction stayed. */
export const margin = (gas: number) => 1 - gas / TRANSACTION_GAS_CAP;

const BOOKS: Record<string, string> = {
  sellerCrowd: "every sell order marginal: {sells} sells of distinct meters vs 1 buy",
  buyerCrowd: "every buy order marginal: {buys} buys of distinct buyers vs {sells}",
  halfAndHalf: "{buys} buys vs {sells} sells, all filled",
};

/** The book of a slot row, e.g. "500 buys vs 500 sells, all filled". */
export function bookOf(row: Pick<SlotRow, "shape" | "buyOrders" | "sellOrders">): string {
  const sells =
    row.shape === "buyerCrowd"
      ? row.sellOrders === 1
        ? "1 sell"
        : `${row.sellOrders} sells, one per source`
      : number(row.sellOrders);
  return BOOKS[row.shape].replace("{buys}", number(row.buyOrders)).replace("{sells}", sells);
}
