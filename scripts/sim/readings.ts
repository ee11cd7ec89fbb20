/** EIP-712 meter readings as the registry expects them (compact EIP-2098 signatures). */
import { Signature, type TypedDataDomain, type Wallet } from "ethers";

export const READING_TYPES = {
  Reading: [
    { name: "meter", type: "address" },
    { name: "slot", type: "uint64" },
    { name: "importedWh", type: "uint32" },
    { name: "exportedWh", type: "uint32" },
  ],
};

export function registryDomain(chainId: number, registry: string): TypedDataDomain {
  return { name: "GridLedger MeterRegistry", version: "1", chainId, verifyingContract: registry };
}

export interface SignedReading {
  meter: string;
  slot: bigint;
  importedWh: number;
  exportedWh: number;
  r: string;
  vs: string;
}

/** Signs a reading of `meter` with `signer` (the meter's own key, or a forger's). */
export async function signReading(
  domain: TypedDataDomain,
  signer: Wallet,
  meter: string,
  slot: bigint,
  importedWh: number,
  exportedWh: number,
): Promise<SignedReading> {
  const value = { meter, slot, importedWh, exportedWh };
  const sig = Signature.from(await signer.signTypedData(domain, READING_TYPES, value));
  return { ...value, r: sig.r, vs: sig.yParityAndS };
}
