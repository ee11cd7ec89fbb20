/**
 * Gas benchmark: measures every user-facing operation on the embedded network and writes
 * gas/GAS.md (table with targets) and gas/gas-snapshot.json (the figures the CI guard compares).
 * Usage: npx hardhat run bench/gas.ts            (writes the committed files)
 *        GAS_OUT=/tmp/fresh.json npx hardhat run bench/gas.ts   (writes elsewhere, for the guard)
 */
import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";

import { measureRegistry } from "./registrySection.js";
import { renderMarkdown } from "./render.js";
import type { GasSnapshot } from "./types.js";

const { ethers, networkHelpers } = await network.create();
const warpTo = async (timestamp: bigint) => {
  await networkHelpers.time.increaseTo(timestamp);
};

const snapshot: GasSnapshot = { figures: [], scaling: [] };
snapshot.figures.push(...(await measureRegistry(ethers, warpTo)));

const jsonOut = process.env.GAS_OUT ?? "gas/gas-snapshot.json";
await mkdir(path.dirname(jsonOut), { recursive: true });
await writeFile(jsonOut, JSON.stringify(snapshot, null, 2) + "\n");
if (process.env.GAS_OUT === undefined) await writeFile("gas/GAS.md", renderMarkdown(snapshot));
for (const figure of snapshot.figures) {
  console.log(
    `${figure.key.padEnd(48)} ${String(figure.gas).padStart(10)}${figure.unit ? ` / ${figure.unit}` : ""}`,
  );
}
