/**
 * ABIs and error decoding for the load test, from the typechain factories that `npx hardhat build` writes.
 */
import { Interface, type LogDescription } from "ethers";
import { ENUMS, enumName, enumObject } from "../../scripts/lib/enums.js";

import {
  EnergyCertificates__factory,
  EnergyMarket__factory,
  GridStablecoin__factory,
  MeterRegistry__factory,
} from "../../typechain-types/index.js";

export const marketInterface = EnergyMarket__factory.createInterface();
export const certificatesInterface = EnergyCertificates__factory.createInterface();
export const registryInterface = MeterRegistry__factory.createInterface();
export const tokenInterface = GridStablecoin__factory.createInterface();

const interfaces: Interface[] = [
  marketInterface,
  certificatesInterface,
  registryInterface,
  tokenInterface,
];

/** A revert's data as `Name(arg, ...)`, or the raw data when no interface knows the selector. */
export function decodeRevert(data: unknown): string {
  if (typeof data !== "string" || !data.startsWith("0x")) return "reverted without data";
  if (data === "0x") return "reverted without data";
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    } catch {
      // not this interface's error
    }
  }
  return `reverted with ${data.slice(0, 74)}`;
}

/** The market's events in a receipt's logs. */
export function marketEvents(logs: { topics: string[]; data: string }[]): LogDescription[] {
  const events: LogDescription[] = [];
  for (const log of logs) {
    try {
      const parsed = marketInterface.parseLog(log);
      if (parsed !== null) events.push(parsed);
    } catch {
      // another contract's event
    }
  }
  return events;
}

/** The enum members the load test uses, by value, from the compiler output (scripts/lib/enums.ts). */
export const Side = enumObject(ENUMS.side, ["Buy", "Sell"]);
export type Side = (typeof Side)[keyof typeof Side];

export const SlotStatus = enumObject(ENUMS.slotStatus, ["None", "Open", "Cleared", "Settled"]);
export type SlotStatus = (typeof SlotStatus)[keyof typeof SlotStatus];

/** A slot status by member name ("Cleared"). */
export function slotStatusName(status: bigint | number): string {
  return enumName(ENUMS.slotStatus, status) ?? `status ${status}`;
}
