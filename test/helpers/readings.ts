import { Signature, TypedDataEncoder, toBeHex, toBigInt, zeroPadValue } from "ethers";
import type { TypedDataDomain, TypedDataField } from "ethers";

import { READING_TYPES as PRODUCT_READING_TYPES } from "../../scripts/sim/readings.js";

/** EIP-712 domain name and version of the MeterRegistry. */
export const REGISTRY_DOMAIN_NAME = "GridLedger MeterRegistry";
export const REGISTRY_DOMAIN_VERSION = "1";

/** EIP-712 type `Reading(address meter,uint64 slot,uint32 importedWh,uint32 exportedWh)`, as meters sign it. */
export const READING_TYPES: Record<string, TypedDataField[]> = PRODUCT_READING_TYPES;

/** Order of the secp256k1 group: `s` and `n - s` both verify under plain ecrecover. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** What a meter measures in one slot, in Wh. */
export interface ReadingValues {
  meter: string;
  slot: bigint;
  importedWh: bigint;
  exportedWh: bigint;
}

/** `IMeterRegistry.SignedReading`: a reading with its compact EIP-2098 signature. */
export interface SignedReading extends ReadingValues {
  r: string;
  vs: string;
}

/** Anything that signs typed data the way a meter's device key does (an ethers Wallet or signer). */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** The registry's EIP-712 domain on `chainId` at `verifyingContract`. */
export function registryDomain(verifyingContract: string, chainId: bigint): TypedDataDomain {
  return {
    name: REGISTRY_DOMAIN_NAME,
    version: REGISTRY_DOMAIN_VERSION,
    chainId,
    verifyingContract,
  };
}

/** The EIP-712 digest of a reading, computed off-chain (must equal `registry.readingDigest`). */
export function readingDigest(domain: TypedDataDomain, values: ReadingValues): string {
  return TypedDataEncoder.hash(domain, READING_TYPES, { ...values });
}

/** Signs `values` as a meter would and returns the compact struct that `submitReading` takes. */
export async function signReading(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  values: ReadingValues,
): Promise<SignedReading> {
  const signature = Signature.from(
    await signer.signTypedData(domain, READING_TYPES, { ...values }),
  );
  return { ...values, r: signature.r, vs: signature.yParityAndS };
}

/** Signs several readings with one key. */
export async function signReadings(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  values: readonly ReadingValues[],
): Promise<SignedReading[]> {
  return Promise.all(values.map((v) => signReading(signer, domain, v)));
}

const S_MASK = (1n << 255n) - 1n;

/** Splits a compact `vs` into (yParity, s). */
export function splitVs(vs: string): { yParity: 0 | 1; s: bigint } {
  const word = toBigInt(vs);
  return { yParity: word >> 255n === 1n ? 1 : 0, s: word & S_MASK };
}

/**
 * The malleable twin of a signature: s replaced by n - s and the parity toggled. Plain ecrecover accepts it
 * for the same signer; in compact form the high s's top bit lands on the parity bit, so it can never verify.
 */
export function malleate(reading: SignedReading): SignedReading {
  const { yParity, s } = splitVs(reading.vs);
  const highS = SECP256K1_N - s;
  const toggled = BigInt(1 - yParity) << 255n;
  return { ...reading, vs: zeroPadValue(toBeHex(highS | toggled), 32) };
}
