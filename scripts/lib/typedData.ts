/**
 * EIP-712 signing at the simulation's volume (a thousand households sign an order and a reading every
 * slot): the type's encoder is built once and each domain's separator hashed once, and a local key (an
 * ethers Wallet) signs the digest directly. The signature is the one `signTypedData` gives (the same
 * digest, RFC 6979 deterministic nonces), without ethers' per-call type parsing and ENS name resolution,
 * which cost about half the time. Any other signer (a hardware key, a wallet) is asked `signTypedData`.
 *
 * Imports nothing above scripts/lib.
 */
import {
  concat,
  keccak256,
  TypedDataEncoder,
  type SigningKey,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

/** Anything that signs EIP-712 typed data; an ethers Wallet also exposes its `signingKey`. */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
  signingKey?: SigningKey;
}

/** One EIP-712 type's digests and signatures, with its encoder and domain separators cached. */
export class TypedDataType {
  private readonly encoder: TypedDataEncoder;
  private readonly separators = new Map<string, string>();

  constructor(readonly types: Record<string, TypedDataField[]>) {
    this.encoder = TypedDataEncoder.from(types);
  }

  private separator(domain: TypedDataDomain): string {
    const key = `${domain.name}|${domain.version}|${domain.chainId}|${domain.verifyingContract}|${domain.salt}`;
    let separator = this.separators.get(key);
    if (separator === undefined) {
      separator = TypedDataEncoder.hashDomain(domain);
      this.separators.set(key, separator);
    }
    return separator;
  }

  /** The EIP-712 digest of `value` (what `TypedDataEncoder.hash` returns). */
  digest(domain: TypedDataDomain, value: Record<string, unknown>): string {
    return keccak256(concat(["0x1901", this.separator(domain), this.encoder.hash(value)]));
  }

  /** The 65-byte signature of `value` by `signer`. */
  async sign(
    signer: TypedDataSigner,
    domain: TypedDataDomain,
    value: Record<string, unknown>,
  ): Promise<string> {
    if (signer.signingKey) return signer.signingKey.sign(this.digest(domain, value)).serialized;
    return signer.signTypedData(domain, this.types, value);
  }
}
