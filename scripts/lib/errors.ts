/**
 * Turning failures into one readable line: custom errors decoded by name and arguments from the ABIs
 * of our contracts, user mistakes (bad arguments, bad scenario fields) passed through as they are.
 */
import { Interface, type ErrorDescription, type InterfaceAbi } from "ethers";

/** A mistake in what the user typed: printed as one line, no stack trace. */
export class UsageError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "UsageError";
  }
}

/** A transaction or call that reverted, with its decoded custom error. */
export class RevertError extends Error {
  constructor(
    readonly action: string,
    readonly errorName: string,
    readonly args: Record<string, string>,
    readonly data: string,
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

/** Decodes custom errors of a set of ABIs (and Error(string) / Panic(uint256)). */
export class ErrorDecoder {
  private readonly interfaces: Interface[];

  constructor(abis: Array<InterfaceAbi | Interface>) {
    this.interfaces = abis.map((abi) => Interface.from(abi));
  }

  decode(data: string): { name: string; args: Record<string, string> } | undefined {
    for (const iface of this.interfaces) {
      let parsed: ErrorDescription | null = null;
      try {
        parsed = iface.parseError(data);
      } catch {
        parsed = null;
      }
      if (parsed) {
        const args: Record<string, string> = {};
        parsed.fragment.inputs.forEach((input, i) => {
          args[input.name || `arg${i}`] = formatValue(parsed!.args[i]);
        });
        return { name: parsed.name, args };
      }
    }
    return undefined;
  }

  /** Wraps any error of `action` into a RevertError when it carries decodable revert data. */
  explain(action: string, error: unknown): Error {
    if (error instanceof RevertError || error instanceof UsageError) return error;
    const data = findRevertData(error);
    if (data) {
      const decoded = this.decode(data);
      if (decoded) return new RevertError(action, decoded.name, decoded.args, data);
      return new RevertError(action, `unknown error ${data.slice(0, 10)}`, {}, data);
    }
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
