/**
 * Slot arguments of the commands: a number, "next" (the first slot still open for orders), "+N" or "-N"
 * (relative to the current slot), or "current", "current+N", "current-N". The last form exists because
 * Hardhat's parser takes "-10" or "-25" for grouped short options (HHE509) even as `--slot=-10`;
 * "-1".."-9" pass.
 */
import type { EnergyMarket } from "../../typechain-types/index.js";
import type { Chain } from "./chain.js";
import { UsageError } from "./errors.js";

/** `slot` if it fits the market's slot type (uint64 in its ABI), else a one-line error naming `option`. */
function fitting(market: EnergyMarket, slot: bigint, option: string): bigint {
  const bits = /^uint(\d+)$/.exec(market.interface.getFunction("slotInfo")!.inputs[0]!.type)?.[1];
  if (bits && slot >= 1n << BigInt(bits))
    throw new UsageError(option, `slot ${slot} is beyond the largest slot (uint${bits})`);
  return slot;
}

export async function resolveSlot(
  chain: Chain,
  market: EnergyMarket,
  value: string,
  option = "--slot",
): Promise<bigint> {
  const text = value.trim();
  if (text === "")
    throw new UsageError(option, "is required (a slot number, 'next', '+N' or '-N')");
  const current = await market.currentSlot();
  if (text === "next") {
    const now = BigInt(await chain.latestTimestamp());
    for (let slot = current; slot <= current + 4n; slot++) {
      if ((await market.gateClosureOf(slot)) > now + 1n) return slot;
    }
    throw new UsageError(option, "no slot open for orders in the next four");
  }
  if (text === "current") return current;
  const relative = /^(?:current)?([+-])(\d+)$/.exec(text);
  if (relative) {
    const offset = BigInt(relative[2]!);
    const slot = relative[1] === "+" ? current + offset : current - offset;
    if (slot < 0n) throw new UsageError(option, `${text} is before slot 0`);
    return fitting(market, slot, option);
  }
  if (/^\d+$/.test(text)) return fitting(market, BigInt(text), option);
  throw new UsageError(
    option,
    `"${value}" is not a slot (a number, 'next', '+N', '-N' or 'current-N'; write 'current-10' for -10)`,
  );
}
