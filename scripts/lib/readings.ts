/**
 * The one EIP-712 reading signer: what a meter does with a slot's measurement before it leaves the device.
 *
 * The meter signs `Reading(address meter,uint64 slot,uint32 exportedWh,bytes32 importedCommitment)`: the
 * exported Wh in clear (settlement and certificates need it) and only a commitment to the imported Wh (the
 * household's consumption, personal data), `keccak256(abi.encode(meter, slot, importedWh, salt))`.
 *
 * The salt is derived from the meter key, deterministically, in two HMAC-SHA256 steps:
 *   saltSeed = HMAC(privateKey, "GridLedger reading salt seed v1")
 *   salt     = HMAC(saltSeed, abi.encode(chainId, registry, meter, slot))
 * HMAC-SHA256 under a secret 256-bit key is a pseudorandom function, so each salt looks uniformly random to
 * anyone without the key and the commitment hides importedWh (which, unsalted, a few billion guesses would
 * find); the meter, or the household given the seed, re-derives the same salt later to open one reading
 * without opening any other (salts of other slots stay independent). The seed step lets the household
 * hold the opening power without the signing power. It is not a signature over a fixed message: that would
 * need deterministic (RFC 6979) nonces, which hardware signers do not promise, and would put a second kind
 * of message under the meter's signing key.
 *
 * Imports nothing above scripts/lib.
 */
import {
  AbiCoder,
  Signature,
  TypedDataEncoder,
  computeHmac,
  getAddress,
  keccak256,
  toUtf8Bytes,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { TypedDataType, type TypedDataSigner } from "./typedData.js";

/** EIP-712 domain name and version of the MeterRegistry (its constructor's `EIP712(name, version)`). */
export const REGISTRY_DOMAIN_NAME = "GridLedger MeterRegistry";
export const REGISTRY_DOMAIN_VERSION = "1";

/**
 * EIP-712 type `Reading` as meters sign it. The only TypeScript copy of the type: test/readings.ts checks
 * it against the registry's `READING_TYPEHASH`.
 */
export const READING_TYPES: Record<string, TypedDataField[]> = {
  Reading: [
    { name: "meter", type: "address" },
    { name: "slot", type: "uint64" },
    { name: "exportedWh", type: "uint32" },
    { name: "importedCommitment", type: "bytes32" },
  ],
};

/** The EIP-712 type string, `Reading(address meter,...)`, whose keccak256 is `READING_TYPEHASH`. */
export const READING_TYPE = TypedDataEncoder.from(READING_TYPES).encodeType("Reading");

const READING = new TypedDataType(READING_TYPES);

const SALT_SEED_LABEL = toUtf8Bytes("GridLedger reading salt seed v1");
const MAX_UINT32 = (1n << 32n) - 1n;
const abi = AbiCoder.defaultAbiCoder();

/** What a meter measures in one slot, in Wh. The imported Wh stays on the device and with the household. */
export interface ReadingValues {
  meter: string;
  slot: bigint;
  importedWh: bigint;
  exportedWh: bigint;
}

/** `IMeterRegistry.SignedReading`: what goes on chain, with the compact EIP-2098 signature. */
export interface SignedReading {
  meter: string;
  slot: bigint;
  exportedWh: bigint;
  importedCommitment: string;
  r: string;
  vs: string;
}

/** What opens a reading's commitment: enough for anyone to check it against the registry's log. */
export interface ImportOpening {
  meter: string;
  slot: bigint;
  importedWh: bigint;
  salt: string;
  commitment: string;
}

/** A meter's device key: signs typed data and holds the secret the salts derive from (an ethers Wallet). */
export interface MeterKey extends TypedDataSigner {
  readonly privateKey: string;
}

/** The registry's EIP-712 domain on `chainId` at `verifyingContract`. */
export function registryDomain(
  verifyingContract: string,
  chainId: bigint | number,
): TypedDataDomain {
  return {
    name: REGISTRY_DOMAIN_NAME,
    version: REGISTRY_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract,
  };
}

/** The secret from which a key's salts derive; gives the power to open readings, not to sign them. */
export function saltSeedOf(privateKey: string): string {
  return computeHmac("sha256", privateKey, SALT_SEED_LABEL);
}

/** The salt of (meter, slot) in the registry of `domain`, from the key's salt seed. */
export function readingSalt(
  saltSeed: string,
  domain: TypedDataDomain,
  meter: string,
  slot: bigint,
): string {
  const message = abi.encode(
    ["uint256", "address", "address", "uint64"],
    [domain.chainId, domain.verifyingContract, meter, slot],
  );
  return computeHmac("sha256", saltSeed, message);
}

/** `keccak256(abi.encode(meter, slot, importedWh, salt))`, as the registry's `importedCommitment`. */
export function importedCommitment(
  meter: string,
  slot: bigint,
  importedWh: bigint,
  salt: string,
): string {
  checkUint32(importedWh, "importedWh");
  return keccak256(
    abi.encode(["address", "uint64", "uint32", "bytes32"], [meter, slot, importedWh, salt]),
  );
}

/** The opening of the reading `key` makes of `values` in the registry of `domain`. */
export function openingOf(
  key: Pick<MeterKey, "privateKey">,
  domain: TypedDataDomain,
  values: Pick<ReadingValues, "meter" | "slot" | "importedWh">,
): ImportOpening {
  const meter = getAddress(values.meter);
  const salt = readingSalt(saltSeedOf(key.privateKey), domain, meter, values.slot);
  const commitment = importedCommitment(meter, values.slot, values.importedWh, salt);
  return { meter, slot: values.slot, importedWh: values.importedWh, salt, commitment };
}

/** The EIP-712 digest of a reading, computed off-chain (equals `registry.readingDigest`). */
export function readingDigest(
  domain: TypedDataDomain,
  reading: Pick<SignedReading, "meter" | "slot" | "exportedWh" | "importedCommitment">,
): string {
  return READING.digest(domain, signedValue(reading));
}

/** A 65-byte signature in the registry's compact EIP-2098 form `(r, vs)`. */
export function compactSignature(signature: string): { r: string; vs: string } {
  const sig = Signature.from(signature);
  return { r: sig.r, vs: sig.yParityAndS };
}

/** Signs `values` as a meter does: commits to the imported Wh, signs, returns what `submitReading` takes. */
export async function signReading(
  key: MeterKey,
  domain: TypedDataDomain,
  values: ReadingValues,
): Promise<SignedReading> {
  checkUint32(values.exportedWh, "exportedWh");
  const { commitment } = openingOf(key, domain, values);
  const reading = {
    meter: values.meter,
    slot: values.slot,
    exportedWh: values.exportedWh,
    importedCommitment: commitment,
  };
  const signature = await READING.sign(key, domain, signedValue(reading));
  return { ...reading, ...compactSignature(signature) };
}

/** Signs several readings with one key. */
export async function signReadings(
  key: MeterKey,
  domain: TypedDataDomain,
  values: readonly ReadingValues[],
): Promise<SignedReading[]> {
  return Promise.all(values.map((v) => signReading(key, domain, v)));
}

function signedValue(
  reading: Pick<SignedReading, "meter" | "slot" | "exportedWh" | "importedCommitment">,
): Record<string, unknown> {
  const { meter, slot, exportedWh, importedCommitment } = reading;
  return { meter, slot, exportedWh, importedCommitment };
}

function checkUint32(value: bigint, name: string): void {
  if (value < 0n || value > MAX_UINT32)
    throw new RangeError(`${name} ${value} is not a uint32 Wh value`);
}
