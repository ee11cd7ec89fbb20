/** Small chain helpers shared by the benchmark sections. */
import type { ContractTransactionResponse } from "ethers";

/** gasUsed of a transaction's receipt (intrinsic gas included), as a number. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return Number(receipt.gasUsed);
}

/** Moves the clock forward to `timestamp` unless it is there already. */
export type WarpTo = (timestamp: bigint) => Promise<void>;
