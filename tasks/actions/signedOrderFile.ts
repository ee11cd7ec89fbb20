/**
 * The file a prosumer's signed orders travel in to a relayer: a JSON array of `{order, signature}`, every
 * uint as a decimal string (scripts/lib/orders.ts writes and checks each entry). `market sign-order`
 * appends to it, `market relay` reads it.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { UsageError } from "../../scripts/lib/errors.js";
import {
  signedOrderFromJson,
  signedOrderToJson,
  type SignedOrder,
} from "../../scripts/lib/orders.js";

/** The signed orders in `file`; a missing file is empty when `missingIsEmpty`, else a one-line error. */
export async function readSignedOrders(
  file: string,
  option: string,
  { missingIsEmpty = false } = {},
): Promise<SignedOrder[]> {
  if (!existsSync(file)) {
    if (missingIsEmpty) return [];
    throw new UsageError(option, `${file} does not exist`);
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(option, `${file} is not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(json))
    throw new UsageError(option, `${file} is not an array of signed orders ({order, signature})`);
  return json.map((entry, i) => {
    try {
      return signedOrderFromJson(entry, `${file}[${i}]`);
    } catch (error) {
      throw new UsageError(option, (error as Error).message);
    }
  });
}

/** Writes `orders` to `file`, one JSON array, bigints as decimal strings. */
export async function writeSignedOrders(file: string, orders: readonly SignedOrder[]) {
  await writeFile(file, `${JSON.stringify(orders.map(signedOrderToJson), null, 2)}\n`);
}
