/**
 * What only a development node allows, and what only a real node keeps: the guard that stops a
 * state-changing command from running on the throwaway in-process chain, and setting chain time.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Chain } from "./chain.js";
import { UsageError } from "./errors.js";

/** The network `--network` names (Hardhat's default when none), and whether it lives in this process. */
export function selectedNetwork(hre: HardhatRuntimeEnvironment): {
  name: string;
  embedded: boolean;
} {
  const name = hre.globalOptions.network ?? "default";
  return { name, embedded: hre.config.networks[name]?.type === "edr-simulated" };
}

/**
 * Refuses a state-changing command on an in-process network, whose chain ends with the command, before
 * anything is connected, signed or sent. `ephemeral` (the `--ephemeral` flag) runs it anyway.
 */
export function refuseEmbedded(hre: HardhatRuntimeEnvironment, ephemeral: boolean): void {
  const { name, embedded } = selectedNetwork(hre);
  if (!embedded || ephemeral) return;
  throw new UsageError(
    "--network",
    `${name} is Hardhat's in-process chain: its state would be lost when this command ends; pass --network localhost (after npm run node), or --ephemeral to run anyway`,
  );
}

/**
 * Mines one block at `timestamp` (seconds) with evm_setNextBlockTimestamp + evm_mine. A node without
 * those methods (a testnet, a production client) is refused in one line, as is a time not ahead of the chain.
 */
export async function mineAt(chain: Chain, timestamp: number): Promise<void> {
  const now = await chain.latestTimestamp();
  if (timestamp <= now)
    throw new UsageError(
      "--to",
      `${describeTime(timestamp)} is in the past (the chain is at ${describeTime(now)})`,
    );
  try {
    await chain.rpc("evm_setNextBlockTimestamp", [timestamp]);
  } catch {
    throw new UsageError(
      "--network",
      `${chain.networkName} is not a development node (evm_setNextBlockTimestamp is not supported): its time cannot be moved`,
    );
  }
  await chain.rpc("evm_mine");
}

/** "2026-01-01 10:15:00 UTC (1767262500)". */
export function describeTime(timestamp: number): string {
  const text = new Date(timestamp * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "");
  return `${text} UTC (${timestamp})`;
}
