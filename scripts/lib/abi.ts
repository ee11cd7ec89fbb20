/**
 * The ABIs a standard client needs (abi/*.json, `npx hardhat abi`): each contract's artifact ABI, and for
 * the market also the errors that its calls into the token and OpenZeppelin's code bubble up (a deposit
 * without approval reverts with the token's ERC20InsufficientAllowance), so that one file decodes every
 * failure of a market call. The errors are taken from the compiled artifacts, never retyped.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ErrorFragment, type JsonFragment } from "ethers";
import { ARTIFACTS_DIR, artifactAbi, dependencyErrors } from "./compiled.js";

export const EXPORTED_CONTRACTS = [
  "MeterRegistry",
  "EnergyMarket",
  "OrderRouter",
  "EnergyCertificates",
  "GridStablecoin",
] as const;
export type ExportedContract = (typeof EXPORTED_CONTRACTS)[number];

const OPENZEPPELIN = "@openzeppelin/contracts";

/** Where the errors that a contract's calls can bubble up are compiled. */
const BUBBLED: Record<ExportedContract, { ours: ExportedContract[]; openZeppelin: string[][] }> = {
  MeterRegistry: { ours: [], openZeppelin: [] },
  EnergyMarket: {
    // deposit/withdraw move the token with SafeERC20; the token's own errors come first.
    ours: ["GridStablecoin"],
    openZeppelin: [
      ["interfaces/draft-IERC6093.sol", "IERC20Errors"],
      ["token/ERC20/utils/SafeERC20.sol", "SafeERC20"],
      ["access/IAccessControl.sol", "IAccessControl"],
      ["utils/ReentrancyGuardTransient.sol", "ReentrancyGuardTransient"],
    ],
  },
  // placeOrders reverts with the market's error; placeSignedOrders reports it as a skip reason.
  OrderRouter: { ours: ["EnergyMarket"], openZeppelin: [] },
  EnergyCertificates: { ours: [], openZeppelin: [] },
  GridStablecoin: { ours: [], openZeppelin: [] },
};

function errorKey(fragment: JsonFragment): string {
  return ErrorFragment.from(fragment).format("sighash");
}

/** The ABI of `contract` as exported: its own, then the errors its calls bubble up, each error once. */
export function exportedAbi(
  contract: ExportedContract,
  artifactsDir = ARTIFACTS_DIR,
): JsonFragment[] {
  const abi = [...artifactAbi(contract, artifactsDir)];
  const seen = new Set(abi.filter((f) => f.type === "error").map(errorKey));
  const extra = [
    ...BUBBLED[contract].ours.map((name) => artifactAbi(name, artifactsDir)),
    ...BUBBLED[contract].openZeppelin.map(([source, name]) =>
      dependencyErrors(OPENZEPPELIN, source!, name!, artifactsDir),
    ),
  ];
  for (const fragment of extra.flat()) {
    if (fragment.type !== "error" || seen.has(errorKey(fragment))) continue;
    seen.add(errorKey(fragment));
    abi.push(fragment);
  }
  return abi;
}

/** The file text of an exported ABI: two-space JSON and a final newline. */
export function abiFileText(abi: JsonFragment[]): string {
  return `${JSON.stringify(abi, null, 2)}\n`;
}

/** Writes abi/<Contract>.json for every exported contract; returns the files written. */
export async function writeAbis(outDir: string, artifactsDir = ARTIFACTS_DIR): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const contract of EXPORTED_CONTRACTS) {
    const file = path.join(outDir, `${contract}.json`);
    await writeFile(file, abiFileText(exportedAbi(contract, artifactsDir)));
    files.push(file);
  }
  return files;
}
