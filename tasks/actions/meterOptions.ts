/** The meter record's options as typed (`--capacity-kw`, `--zone`), shared by `meter register` and `meter update`. */
import { getBytes, toUtf8Bytes, toUtf8String, zeroPadBytes } from "ethers";
import { UsageError } from "../../scripts/lib/errors.js";
import { parseDecimal } from "../../scripts/lib/units.js";

/** A rated capacity in kW (up to 3 decimals) as the registry's W, within its uint32. */
export function parseCapacityW(text: string, option = "--capacity-kw"): bigint {
  const capacityW = parseDecimal(text, 3, option);
  if (capacityW === 0n || capacityW > 4_294_967_295n)
    throw new UsageError(option, `must be above 0 and below 4294967 kW, got ${text}`);
  return capacityW;
}

/** A grid zone code as the registry stores it: `bytes8`, UTF-8, right-padded with zeros. */
export function parseZone(text: string, option = "--zone"): string {
  const zoneBytes = toUtf8Bytes(text);
  if (zoneBytes.length > 8) throw new UsageError(option, `"${text}" is longer than 8 bytes`);
  return zeroPadBytes(zoneBytes, 8);
}

/** A stored zone code as text ("MUC-1"), the zero padding dropped. */
export function zoneText(zone: string): string {
  const bytes = getBytes(zone);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return toUtf8String(bytes.slice(0, end));
}
