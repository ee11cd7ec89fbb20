/** `hardhat abi`: writes the ABIs for standard clients (abi/*.json), or with --check says whether they drifted. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { EXPORTED_CONTRACTS, abiFileText, exportedAbi, writeAbis } from "../../scripts/lib/abi.js";
import { ensureBuilt, runCommand } from "../../scripts/lib/command.js";

export default async function abi(
  args: { out: string; check: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    await ensureBuilt(hre);
    const out = args.out || "abi";
    const artifacts = hre.config.paths.artifacts;
    if (!args.check) {
      const files = await writeAbis(out, artifacts);
      process.stdout.write(`wrote ${files.join(", ")}\n`);
      return files;
    }
    const drifted: string[] = [];
    for (const contract of EXPORTED_CONTRACTS) {
      const file = path.join(out, `${contract}.json`);
      const committed = await readFile(file, "utf8").catch(() => "");
      if (committed !== abiFileText(exportedAbi(contract, artifacts))) drifted.push(file);
    }
    if (drifted.length > 0)
      throw new Error(
        `${drifted.join(", ")} differ from the build artifacts; run: npx hardhat abi --out ${out}`,
      );
    process.stdout.write(`${out}/: the ABIs match the build artifacts\n`);
    return [];
  });
}
