/**
 * What the compiler wrote, read straight from Hardhat's build output: the artifacts of our contracts
 * (artifacts/contracts/<Name>.sol/<Name>.json) and the solc output of each build
 * (artifacts/build-info/*.output.json), which also holds the ABIs of the OpenZeppelin contracts we import
 * and the AST our enums' member names come from. Synchronous and cached per process: the error decoder
 * formats values without awaiting, and the build output does not change while a command runs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { JsonFragment } from "ethers";

export const ARTIFACTS_DIR = "artifacts";

interface ContractOutput {
  abi: JsonFragment[];
}
interface AstNode {
  nodeType?: string;
  canonicalName?: string;
  members?: Array<{ name: string }>;
  nodes?: AstNode[];
}
interface CompilerOutput {
  output: {
    contracts: Record<string, Record<string, ContractOutput>>;
    sources: Record<string, { ast: AstNode }>;
  };
}

/** A missing or stale build: one line telling what to run. */
export class BuildOutputError extends Error {
  constructor(message: string) {
    super(`${message} (run: npx hardhat build)`);
    this.name = "BuildOutputError";
  }
}

const outputs = new Map<string, CompilerOutput[]>();

/** The solc outputs of `artifactsDir`, newest first (a stale one can only lose to a fresh one). */
function compilerOutputs(artifactsDir: string): CompilerOutput[] {
  let cached = outputs.get(artifactsDir);
  if (cached) return cached;
  const dir = path.join(artifactsDir, "build-info");
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".output.json"));
  } catch {
    throw new BuildOutputError(`no compiler output in ${dir}`);
  }
  cached = files
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    .map((file) => JSON.parse(readFileSync(file, "utf8")) as CompilerOutput);
  outputs.set(artifactsDir, cached);
  return cached;
}

/** The ABI of one of our contracts, from its artifact (internal types included). */
export function artifactAbi(contractName: string, artifactsDir = ARTIFACTS_DIR): JsonFragment[] {
  const file = path.join(artifactsDir, "contracts", `${contractName}.sol`, `${contractName}.json`);
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { abi: JsonFragment[] }).abi;
  } catch {
    throw new BuildOutputError(`no artifact ${file}`);
  }
}

/**
 * The ABI of a contract compiled as a dependency, by the end of its source path and its name, e.g.
 * ("@openzeppelin/contracts", "interfaces/draft-IERC6093.sol", "IERC20Errors").
 */
export function dependencyAbi(
  packageName: string,
  sourcePath: string,
  contractName: string,
  artifactsDir = ARTIFACTS_DIR,
): JsonFragment[] {
  for (const { output } of compilerOutputs(artifactsDir)) {
    for (const [source, contracts] of Object.entries(output.contracts)) {
      // Hardhat names npm sources npm/<package>@<version>/<path>.
      if (!source.startsWith(`npm/${packageName}@`) || !source.endsWith(`/${sourcePath}`)) continue;
      const contract = contracts[contractName];
      if (contract) return contract.abi;
    }
  }
  throw new BuildOutputError(`no ${contractName} of ${packageName}/${sourcePath} in the build`);
}

function findEnum(node: AstNode | undefined, canonicalName: string): string[] | undefined {
  if (!node) return undefined;
  if (node.nodeType === "EnumDefinition" && node.canonicalName === canonicalName)
    return node.members!.map((m) => m.name);
  for (const child of node.nodes ?? []) {
    const found = findEnum(child, canonicalName);
    if (found) return found;
  }
  return undefined;
}

/** The member names of an enum by its canonical name ("IEnergyMarket.SlotStatus"), in order. */
export function enumDefinition(
  canonicalName: string,
  artifactsDir = ARTIFACTS_DIR,
): string[] | undefined {
  for (const { output } of compilerOutputs(artifactsDir)) {
    for (const { ast } of Object.values(output.sources)) {
      const found = findEnum(ast, canonicalName);
      if (found) return found;
    }
  }
  return undefined;
}
