/**
 * Unit conversion at the script edges. On chain, energy is an integer number of Wh and a price is an
 * integer number of token base units per Wh; the token has 6 decimals. People think in kWh and in
 * currency per kWh:
 *
 *   0.25 currency/kWh = 250_000 base units per kWh = 250 base units per Wh
 *
 * so a price in currency/kWh has at most 3 decimals on chain (1 base unit per Wh = 0.001 currency/kWh).
 * Parsing works on decimal strings, never through floating point, and refuses values that would lose
 * precision, naming the field in the message.
 */
import { FieldError } from "./failure.js";

export const TOKEN_DECIMALS = 6;
/** Decimals of a kWh figure expressed in Wh. */
const KWH_DECIMALS = 3;
/** currency/kWh -> base units/Wh multiplies by 10^6 / 10^3: the same 3 decimals. */
const PRICE_PER_KWH_DECIMALS = TOKEN_DECIMALS - KWH_DECIMALS;

/** A quantity that is not one (negative, too many decimals, not a number): "<field>: <reason>". */
export class UnitError extends FieldError {}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses a non-negative decimal string (or finite number) into an integer scaled by 10^decimals. */
export function parseDecimal(value: string | number, decimals: number, field: string): bigint {
  const text = typeof value === "number" ? numberToPlainString(value, field) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new UnitError(field, `"${value}" is not a decimal number`);
  const [, minus, whole, fraction = ""] = match;
  if (minus) throw new UnitError(field, `must not be negative (got ${text})`);
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > decimals) {
    throw new UnitError(field, `${text} has more than ${decimals} decimals`);
  }
  return (
    BigInt(whole!) * 10n ** BigInt(decimals) + BigInt(significant.padEnd(decimals, "0") || "0")
  );
}

/** Formats an integer scaled by 10^decimals as a decimal string without trailing zeros. */
export function formatDecimal(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  const fraction = (abs % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

function numberToPlainString(value: number, field: string): string {
  if (!Number.isFinite(value)) throw new UnitError(field, `${value} is not a finite number`);
  // toFixed avoids exponent notation; 12 decimals is far beyond what any field here accepts.
  return value.toFixed(12).replace(/\.?0+$/, "");
}

/** kWh (decimal) -> Wh (integer). */
export function kWhToWh(kWh: string | number, field = "kWh"): bigint {
  return parseDecimal(kWh, KWH_DECIMALS, field);
}

/** Wh (integer) -> kWh (decimal string). */
export function whToKWh(wh: bigint | number): string {
  return formatDecimal(BigInt(wh), KWH_DECIMALS);
}

/** currency/kWh (decimal) -> token base units per Wh (integer). */
export function pricePerKWhToBasePerWh(price: string | number, field = "price"): bigint {
  return parseDecimal(price, PRICE_PER_KWH_DECIMALS, field);
}

/** token base units per Wh (integer) -> currency/kWh (decimal string). */
export function basePerWhToPricePerKWh(basePerWh: bigint | number): string {
  return formatDecimal(BigInt(basePerWh), PRICE_PER_KWH_DECIMALS);
}

/** currency (decimal) -> token base units (integer). */
export function currencyToBase(amount: string | number, field = "amount"): bigint {
  return parseDecimal(amount, TOKEN_DECIMALS, field);
}

/** token base units (integer) -> currency (decimal string). */
export function baseToCurrency(base: bigint | number): string {
  return formatDecimal(BigInt(base), TOKEN_DECIMALS);
}

/** Token base units -> currency as a JS number, for charts and summaries only (never for accounting). */
export function baseToCurrencyNumber(base: bigint): number {
  return Number(base) / 10 ** TOKEN_DECIMALS;
}

/** The cost in base units of `wh` at `pricePerWh` base units per Wh. */
export function costOf(wh: bigint, pricePerWh: bigint): bigint {
  return wh * pricePerWh;
}
