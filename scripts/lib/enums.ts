/**
 * The Solidity enums of the contracts by member name, taken from the compiler's AST (an ABI carries only
 * `uint8` and, in `internalType`, the enum's name), so that no TypeScript file retypes their members.
 *
 *   enumMembers("IEnergyMarket.SlotStatus")   -> ["None", "Open", "Cleared", "Settled"]
 *   enumValue("IEnergyMarket.Side", "Sell")    -> 1
 *   enumOfInternalType("enum IEnergyMarket.SlotStatus") -> "IEnergyMarket.SlotStatus"
 */
import { ARTIFACTS_DIR, BuildOutputError, enumDefinition } from "./compiled.js";

/** The enums the scripts name (the canonical names of contracts/interfaces). */
export const ENUMS = {
  side: "IEnergyMarket.Side",
  orderStatus: "IEnergyMarket.OrderStatus",
  slotStatus: "IEnergyMarket.SlotStatus",
  meterKind: "IMeterRegistry.MeterKind",
  energySource: "IMeterRegistry.EnergySource",
  meterStatus: "IMeterRegistry.MeterStatus",
} as const;

const cache = new Map<string, readonly string[]>();

/** The member names of `canonicalName` in declaration order (member i has the value i). */
export function enumMembers(
  canonicalName: string,
  artifactsDir = ARTIFACTS_DIR,
): readonly string[] {
  const key = `${artifactsDir}\0${canonicalName}`;
  let members = cache.get(key);
  if (!members) {
    const found = enumDefinition(canonicalName, artifactsDir);
    if (!found) throw new BuildOutputError(`no enum ${canonicalName} in the compiler output`);
    members = Object.freeze(found);
    cache.set(key, members);
  }
  return members;
}

/** The name of member `value` of the enum, or undefined if the enum has no such member. */
export function enumName(canonicalName: string, value: bigint | number): string | undefined {
  return enumMembers(canonicalName)[Number(value)];
}

/** The value of the member `name` (case-insensitive); throws if the enum has none of that name. */
export function enumValue(canonicalName: string, name: string): number {
  const index = enumMembers(canonicalName).findIndex((m) => m.toLowerCase() === name.toLowerCase());
  if (index < 0) throw new BuildOutputError(`enum ${canonicalName} has no member ${name}`);
  return index;
}

/**
 * The members `names` of the enum by value, from the compiler output, for code that names members in
 * source (`enumObject(ENUMS.side, ["Buy", "Sell"]).Sell === 1`): the names are checked against the build
 * when the object is made, the values are never typed. Throws if the build has no such member.
 */
export function enumObject<const N extends string>(
  canonicalName: string,
  names: readonly N[],
): { readonly [K in N]: number } {
  const members = enumMembers(canonicalName);
  const object = {} as Record<N, number>;
  for (const name of names) {
    const index = members.indexOf(name);
    if (index < 0) throw new BuildOutputError(`enum ${canonicalName} has no member ${name}`);
    object[name] = index;
  }
  return Object.freeze(object);
}

/** The members in lower case, as the commands take and print them ("buy", "sell"). */
export function enumChoices(canonicalName: string): string[] {
  return enumMembers(canonicalName).map((m) => m.toLowerCase());
}

/** "enum IEnergyMarket.SlotStatus" (an ABI parameter's internalType) -> "IEnergyMarket.SlotStatus". */
export function enumOfInternalType(internalType: string | undefined): string | undefined {
  const match = /^enum (\S+)$/.exec(internalType ?? "");
  return match?.[1];
}
