/**
 * Turning failures into one readable line: custom errors decoded by name and arguments from the ABIs
 * of our contracts, each argument in human terms beside its raw value (enum members by name, role hashes
 * by role name, timestamps in UTC, Wh in kWh, base units in the token's units), user mistakes (bad
 * arguments, bad scenario fields) passed through as they are.
 */
import {
  ErrorFragment,
  Interface,
  type ErrorDescription,
  type InterfaceAbi,
  type JsonFragment,
} from "ethers";
import { enumMembers, enumOfInternalType } from "./enums.js";
import { FieldError } from "./failure.js";
import { TOKEN_DECIMALS, formatDecimal, whToKWh } from "./units.js";

export { FieldError, OneLineError } from "./failure.js";

/** A mistake in what the user typed: printed as one line, no stack trace. */
export class UsageError extends FieldError {}

/** A transaction or call that reverted, with its decoded custom error. */
export class RevertError extends Error {
  constructor(
    readonly action: string,
    readonly errorName: string,
    readonly args: Record<string, string>,
    readonly data: string,
    /** The decoded arguments as values (bigint, string, …); `args` holds them as printed. */
    readonly values: Record<string, unknown> = {},
  ) {
    const list = Object.entries(args)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    super(`${action} reverted: ${errorName}(${list})`);
    this.name = "RevertError";
  }
}

const HEX = /^0x[0-9a-fA-F]*$/;

/** Finds revert data in the many shapes providers wrap it in (ethers, Hardhat, EDR, Anvil). */
export function findRevertData(error: unknown, depth = 0): string | undefined {
  if (depth > 6 || error === null || typeof error !== "object") return undefined;
  const record = error as Record<string, unknown>;
  for (const key of ["data", "returnData", "revertData"]) {
    const value = record[key];
    if (typeof value === "string" && HEX.test(value) && value.length >= 10) return value;
    if (value && typeof value === "object") {
      const inner = (value as Record<string, unknown>).data;
      if (typeof inner === "string" && HEX.test(inner) && inner.length >= 10) return inner;
    }
  }
  for (const key of ["error", "info", "cause", "parent", "revert"]) {
    const found = findRevertData(record[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  return String(value);
}

/** What the decoder needs to print values in human terms beside their raw form. */
export interface ValueNames {
  /** Role hashes (lower case) -> role names, from the contracts' `*_ROLE()` constants (roles.ts). */
  roles?: ReadonlyMap<string, string>;
  /** The stablecoin's symbol and decimals (default: no symbol, TOKEN_DECIMALS). */
  token?: { symbol: string; decimals: number };
}

type Quantity = "time" | "energy" | "token" | "price";

/**
 * What a uint argument of a custom error measures, from its name and its error's domain: the names are
 * those of contracts/interfaces and OpenZeppelin's ERC-6093 errors. ERC-1155 amounts are certificates,
 * one per Wh; ERC-20 and market amounts are token base units.
 */
function quantityOf(errorName: string, argName: string): Quantity | undefined {
  if (/^(timestamp|genesis)$|(Closure|End|At)$/.test(argName)) return "time";
  if (/(^wh|Wh|WhPerSlot)$/.test(argName)) return "energy";
  if (/Price$/.test(argName) || (errorName === "MarketPriceBelowMinimum" && argName === "minimum"))
    return "price";
  const amount = /^(free|needed|balance|allowance|requested|remaining|amount|exported)$/.test(
    argName,
  );
  if (amount && /^(ERC1155|Certificates)/.test(errorName)) return "energy";
  if (amount && /^(ERC20|Stablecoin|Market)/.test(errorName)) return "token";
  return undefined;
}

function isoTime(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return "out of range";
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

/** One argument as `raw (human)`: enum member names, role names, UTC times, kWh and token units. */
export function formatArgument(
  errorName: string,
  input: { name: string; type: string; internalType?: string },
  value: unknown,
  names: ValueNames = {},
): string {
  const raw = formatValue(value);
  const enumName = enumOfInternalType(input.internalType);
  if (enumName && typeof value === "bigint") {
    let members: readonly string[];
    try {
      members = enumMembers(enumName);
    } catch {
      return raw; // no build output to name it from: the number alone rather than a lost error
    }
    return `${raw} (${members[Number(value)] ?? `not a member of ${enumName}`})`;
  }
  if (input.type === "bytes32" && typeof value === "string") {
    const role = names.roles?.get(value.toLowerCase());
    return role ? `${role} (${raw})` : raw;
  }
  if (!input.type.startsWith("uint") || typeof value !== "bigint") return raw;
  const symbol = names.token?.symbol ? ` ${names.token.symbol}` : "";
  const decimals = names.token?.decimals ?? TOKEN_DECIMALS;
  switch (quantityOf(errorName, input.name)) {
    case "time":
      return `${raw} (${isoTime(value)})`;
    case "energy":
      return `${raw} (${whToKWh(value)} kWh)`;
    case "token":
      return `${raw} (${formatDecimal(value, decimals)}${symbol})`;
    case "price":
      // base units per Wh -> token per kWh: 10^3 Wh per kWh.
      return `${raw} (${formatDecimal(value * 1000n, decimals)}${symbol}/kWh)`;
    default:
      return raw;
  }
}

type RawInputs = ReadonlyArray<{ name?: string; type?: string; internalType?: string }>;

/** Decodes custom errors of a set of ABIs (and Error(string) / Panic(uint256)). */
export class ErrorDecoder {
  private readonly interfaces: Interface[];
  /** The ABI's own inputs of each error by selector: ethers' fragments drop `internalType`. */
  private readonly rawInputs = new Map<string, RawInputs>();

  /** Give JSON ABIs (artifacts, abi/*.json) for enum member names: an Interface has no internalType. */
  constructor(
    abis: Array<InterfaceAbi | Interface>,
    private readonly names: ValueNames = {},
  ) {
    this.interfaces = abis.map((abi) => Interface.from(abi));
    abis.forEach((abi, i) => {
      if (!Array.isArray(abi)) return;
      for (const fragment of abi as JsonFragment[]) {
        if (typeof fragment !== "object" || fragment.type !== "error") continue;
        const selector = this.interfaces[i]!.getError(
          ErrorFragment.from(fragment).format("sighash"),
        )?.selector;
        if (selector && !this.rawInputs.has(selector))
          this.rawInputs.set(selector, fragment.inputs ?? []);
      }
    });
  }

  decode(
    data: string,
  ): { name: string; args: Record<string, string>; values: Record<string, unknown> } | undefined {
    for (const iface of this.interfaces) {
      let parsed: ErrorDescription | null = null;
      try {
        parsed = iface.parseError(data);
      } catch {
        parsed = null;
      }
      if (parsed) {
        const raw = this.rawInputs.get(parsed.selector);
        const args: Record<string, string> = {};
        const values: Record<string, unknown> = {};
        parsed.fragment.inputs.forEach((input, i) => {
          values[input.name || `arg${i}`] = parsed!.args[i];
          const internalType = raw?.[i]?.internalType;
          args[input.name || `arg${i}`] = formatArgument(
            parsed!.name,
            { name: input.name, type: input.type, internalType },
            parsed!.args[i],
            this.names,
          );
        });
        return { name: parsed.name, args, values };
      }
    }
    return undefined;
  }

  /** Revert data as one line, `Name(arg=value, ...)`, e.g. a skipped signed order's reason. */
  describe(data: string): string {
    if (data === "0x") return "no reason given (empty revert data)";
    const decoded = this.decode(data);
    if (!decoded) return `unknown error ${data.slice(0, 10)}`;
    const args = Object.entries(decoded.args).map(([k, v]) => `${k}=${v}`);
    return `${decoded.name}(${args.join(", ")})`;
  }

  /** Wraps any error of `action` into a RevertError when it carries decodable revert data. */
  explain(action: string, error: unknown): Error {
    if (error instanceof RevertError || error instanceof UsageError) return error;
    const data = findRevertData(error);
    if (data) {
      const decoded = this.decode(data);
      if (decoded) return new RevertError(action, decoded.name, decoded.args, data, decoded.values);
      return new RevertError(action, `unknown error ${data.slice(0, 10)}`, {}, data);
    }
    const { code, shortMessage, argument } = (error ?? {}) as {
      code?: string;
      shortMessage?: string;
      argument?: string;
    };
    // ethers refusing to encode a value (out of range, bad checksum): its short message, one line.
    if ((code === "INVALID_ARGUMENT" || code === "NUMERIC_FAULT") && shortMessage)
      return new Error(
        `${action} not sent: ${shortMessage}${argument ? ` (argument ${argument})` : ""}`,
      );
    const message = (error as Error)?.message ?? String(error);
    const reverted = /revert|execution reverted/i.test(message);
    return new Error(`${action} ${reverted ? "reverted" : "failed"}: ${message.split("\n")[0]}`);
  }
}

/** One line for the terminal: the message of a known error kind, or the first line of anything else. */
export function oneLine(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0]!;
  return String(error);
}
