/**
 * Coverage guard: reads coverage/lcov.info written by `hardhat test --coverage` and fails when the
 * line coverage of the production contracts (mocks excluded) is below the threshold.
 * Usage: node bench/coverage.ts [lcov path] [threshold percent]
 * Hardhat 3.17's coverage emits line data (DA) only, no branch data (BRDA); when branch data is
 * present it is checked against the same threshold.
 */
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "coverage/lcov.info";
const threshold = Number(process.argv[3] ?? "95");

interface FileCoverage {
  lines: Map<number, number>;
  branchesFound: number;
  branchesHit: number;
}

const files = new Map<string, FileCoverage>();
let current: FileCoverage | undefined;
for (const line of readFileSync(file, "utf8").split("\n")) {
  if (line.startsWith("SF:")) {
    const name = line.slice(3);
    current = files.get(name) ?? { lines: new Map(), branchesFound: 0, branchesHit: 0 };
    files.set(name, current);
  } else if (line.startsWith("DA:") && current !== undefined) {
    const [lineNo, hits] = line.slice(3).split(",").map(Number);
    // The same line may be listed more than once (one entry per statement): hit if any entry was hit.
    current.lines.set(lineNo, Math.max(current.lines.get(lineNo) ?? 0, hits));
  } else if (line.startsWith("BRDA:") && current !== undefined) {
    current.branchesFound += 1;
    if (!line.endsWith(",-") && !line.endsWith(",0")) current.branchesHit += 1;
  }
}

let found = 0;
let hit = 0;
let branchesFound = 0;
let branchesHit = 0;
for (const [name, coverage] of files) {
  if (!name.startsWith("contracts/") || name.startsWith("contracts/mocks/")) continue;
  const lineHits = [...coverage.lines.values()];
  const covered = lineHits.filter((h) => h > 0).length;
  found += lineHits.length;
  hit += covered;
  branchesFound += coverage.branchesFound;
  branchesHit += coverage.branchesHit;
  const percent = lineHits.length === 0 ? 100 : (100 * covered) / lineHits.length;
  console.log(`${name.padEnd(52)} ${percent.toFixed(2).padStart(7)} % lines`);
}
const linePercent = found === 0 ? 0 : (100 * hit) / found;
console.log(`total: ${linePercent.toFixed(2)} % of ${found} lines`);
let failed = linePercent < threshold;
if (branchesFound > 0) {
  const branchPercent = (100 * branchesHit) / branchesFound;
  console.log(`total: ${branchPercent.toFixed(2)} % of ${branchesFound} branches`);
  failed ||= branchPercent < threshold;
} else {
  console.log("branches: not reported by this Hardhat version's coverage (no BRDA records)");
}
if (failed) {
  console.error(`coverage below ${threshold} %`);
  process.exit(1);
}
