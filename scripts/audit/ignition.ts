// Contract addresses from Hardhat Ignition's deployment record.
import { readFile } from "node:fs/promises";
import { AuditInputError } from "./errors.js";

export const IGNITION_FUTURES = {
  registry: "GridLedger#MeterRegistry",
  market: "GridLedger#EnergyMarket",
  certificates: "GridLedger#EnergyCertificates",
} as const;

/** Reads ignition/deployments/chain-<id>/deployed_addresses.json (under `root`, default the cwd). */
export async function addressesFromIgnition(
  chainId: bigint,
  root = process.cwd(),
): Promise<{ registry: string; market: string; certificates: string }> {
  const file = `${root}/ignition/deployments/chain-${chainId}/deployed_addresses.json`;
  let record: Record<string, string>;
  try {
    record = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  } catch {
    throw new AuditInputError(`no addresses given and no Ignition deployment record at ${file}`);
  }
  const pick = (future: string) => {
    const address = record[future];
    if (address === undefined)
      throw new AuditInputError(`${file} has no ${future}; give the addresses explicitly`);
    return address;
  };
  return {
    registry: pick(IGNITION_FUTURES.registry),
    market: pick(IGNITION_FUTURES.market),
    certificates: pick(IGNITION_FUTURES.certificates),
  };
}
