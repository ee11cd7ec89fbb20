/**
 * The one home of the signed-order typed data: what a prosumer signs so that a relayer (an aggregator, or
 * anyone) can submit its order through the market's OrderRouter, and the ERC-1271/EOA signature it sends.
 *
 * The trader signs `Order(address trader,uint64 slot,uint8 side,uint48 quantityWh,uint64 limitPrice,
 * address meter,uint32 nonce,uint40 expiry)` under the router's domain ("GridLedger OrderRouter", "1", the
 * chain id, the router): a signature is good on one chain and one market only. `nonce` must be the trader's
 * next nonce (`market.nonceOf(trader)`) when the order is placed; a trader's orders are placed in nonce order.
 *
 * Imports nothing above scripts/lib.
 */
import {
  getAddress,
  isAddress,
  isHexString,
  TypedDataEncoder,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { FieldError } from "./failure.js";
import { TypedDataType, type TypedDataSigner } from "./typedData.js";

/** EIP-712 domain name and version of the OrderRouter (its constructor's `EIP712(name, version)`). */
export const ORDER_DOMAIN_NAME = "GridLedger OrderRouter";
export const ORDER_DOMAIN_VERSION = "1";

/**
 * EIP-712 type `Order` as traders sign it. The only TypeScript copy of the type: test/lib/orders.ts checks it
 * against the router's `ORDER_TYPEHASH`.
 */
export const ORDER_TYPES: Record<string, TypedDataField[]> = {
  Order: [
    { name: "trader", type: "address" },
    { name: "slot", type: "uint64" },
    { name: "side", type: "uint8" },
    { name: "quantityWh", type: "uint48" },
    { name: "limitPrice", type: "uint64" },
    { name: "meter", type: "address" },
    { name: "nonce", type: "uint32" },
    { name: "expiry", type: "uint40" },
  ],
};

/** The EIP-712 type string, `Order(address trader,...)`, whose keccak256 is `ORDER_TYPEHASH`. */
export const ORDER_TYPE = TypedDataEncoder.from(ORDER_TYPES).encodeType("Order");

/** `IOrderRouter.Order`: units Wh and token base units per Wh; `meter` is the zero address for a buy. */
export interface OrderValues {
  trader: string;
  slot: bigint;
  /** 0 buy, 1 sell (`IEnergyMarket.Side`). */
  side: number | bigint;
  quantityWh: bigint;
  limitPrice: bigint;
  meter: string;
  nonce: bigint;
  /** Unix seconds, inclusive: the order may be placed until then. */
  expiry: bigint;
}

/** `IOrderRouter.SignedOrder`: what a relayer submits in `placeSignedOrders`. */
export interface SignedOrder {
  order: OrderValues;
  signature: string;
}

/** Anything that signs EIP-712 typed data: an ethers Wallet, a Hardhat signer, a wallet's owner key. */
export type { TypedDataSigner } from "./typedData.js";

const ORDER = new TypedDataType(ORDER_TYPES);

/** The router's EIP-712 domain on `chainId`. */
export function orderDomain(router: string, chainId: bigint): TypedDataDomain {
  return {
    name: ORDER_DOMAIN_NAME,
    version: ORDER_DOMAIN_VERSION,
    chainId,
    verifyingContract: router,
  };
}

/** The EIP-712 digest of `order` (what the router's `hashOrder` returns). */
export function orderDigest(domain: TypedDataDomain, order: OrderValues): string {
  return ORDER.digest(domain, { ...order });
}

/** Signs `order` with `signer` (the trader, or the key an ERC-1271 wallet of the trader accepts). */
export async function signOrder(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  order: OrderValues,
): Promise<SignedOrder> {
  const signature = await ORDER.sign(signer, domain, { ...order });
  return { order, signature };
}

/** A signed order as JSON: every uint field as a decimal string (JSON has no bigints), the rest as they are. */
export type SignedOrderJson = { order: Record<keyof OrderValues, string>; signature: string };

/** `signed` as JSON, fields in the order of the EIP-712 type. */
export function signedOrderToJson(signed: SignedOrder): SignedOrderJson {
  const order = Object.fromEntries(
    ORDER_TYPES.Order!.map(({ name }) => [name, String(signed.order[name as keyof OrderValues])]),
  ) as SignedOrderJson["order"];
  return { order, signature: signed.signature };
}

/**
 * A signed order read from JSON (as signedOrderToJson writes it), each field checked against its EIP-712
 * type; a bad field throws a FieldError naming it (`where` says which entry of which file).
 */
export function signedOrderFromJson(json: unknown, where: string): SignedOrder {
  const { order, signature } = (json ?? {}) as {
    order?: Record<string, unknown>;
    signature?: unknown;
  };
  if (typeof order !== "object" || order === null) throw new FieldError(where, `no "order" object`);
  if (typeof signature !== "string" || !isHexString(signature))
    throw new FieldError(where, `"signature" is not a hex string`);
  const values: Record<string, string | bigint> = {};
  for (const { name, type } of ORDER_TYPES.Order!) {
    const value = order[name];
    const text = typeof value === "number" || typeof value === "bigint" ? String(value) : value;
    if (type === "address") {
      if (typeof text !== "string" || !isAddress(text))
        throw new FieldError(where, `order.${name} is not an address`);
      values[name] = getAddress(text);
    } else {
      const bits = BigInt(/^uint(\d+)$/.exec(type)![1]!);
      if (typeof text !== "string" || !/^\d+$/.test(text) || BigInt(text) >> bits !== 0n)
        throw new FieldError(where, `order.${name} is not a ${type} (a decimal string)`);
      values[name] = BigInt(text);
    }
  }
  return { order: values as unknown as OrderValues, signature };
}
