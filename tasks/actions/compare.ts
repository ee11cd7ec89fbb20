/** `hardhat compare <dir> <dir> ...`: report folders side by side in compare.html and compare.csv. */
import path from "node:path";
import { runCommand } from "../../scripts/lib/command.js";
import { loadRuns } from "../../scripts/report/compare.js";
import { writeComparison } from "../../scripts/report/comparison.js";

export default async function compare(args: { dirs: string[]; out: string }) {
  return runCommand(async () => {
    const runs = await loadRuns(args.dirs);
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z");
    const files = await writeComparison(runs, args.out || path.join("reports", `compare-${stamp}`));
    for (const [i, r] of runs.entries())
      process.stdout.write(`run ${i + 1}: ${r.name} (${r.dir})\n`);
    process.stdout.write(`Comparison: ${files.html}\n            ${files.csv}\n`);
    return files;
  });
}
