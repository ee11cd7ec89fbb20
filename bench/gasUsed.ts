/** The benchmark's gas reading: the fixture layer's `gasOf` (fixtures/market.ts) as a number, for the figures. */
import type { ContractTransactionResponse } from "ethers";
import { gasOf as gasUsedOf } from "../fixtures/market.js";

/** gasUsed of a transaction's receipt (intrinsic gas included), as a number. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  return Number(await gasUsedOf(tx));
}
