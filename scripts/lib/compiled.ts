/**
 * What the compiler wrote, read straight from Hardhat's build output: the artifacts of our contracts
 * (artifacts/contracts/<Name>.sol/<Name>.json) and the solc output of each build
 * (artifacts/build-info/*.output.json), which also holds the ABIs of the OpenZeppelin contracts we import
 * and the AST our enums' member names come from. Synchronous and cached per process: the error decoder
 * formats values without awaiting, and the build output does not change while a command runs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { JsonFragment } from "ethers";
import { OneLineError } from "./failure.js";

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
export class BuildOutputError extends OneLineError {
  constructor(message: string) {
    super(`${message} (run: npx hardhat build)`);
  }
}

/**
 * What the scripts need of one solc output: the enums of every source, and the errors of the contracts of
 * dependencies (npm/ sources). The output is tens of MB of JSON (a second to parse), so the digest is kept
 * in cache/gridledger/<build-info id>.digest.json, written once per build.
 */
interface Digest {
  enums: Record<string, string[]>;
  dependencyErrors: Record<string, Record<string, JsonFragment[]>>;
}

function collectEnums(node: AstNode | undefined, into: Record<string, string[]>): void {
  if (!node) return;
  if (node.nodeType === "EnumDefinition" && node.canonicalName)
    into[node.canonicalName] = node.members!.map((m) => m.name);
  for (const child of node.nodes ?? []) collectEnums(child, into);
}

function digestOf(file: string, cacheDir: string): Digest {
  const cacheFile = path.join(cacheDir, `${path.basename(file, ".output.json")}.digest.json`);
  if (existsSync(cacheFile) && statSync(cacheFile).mtimeMs >= statSync(file).mtimeMs)
    return JSON.parse(readFileSync(cacheFile, "utf8")) as Digest;
  const { output } = JSON.parse(readFileSync(file, "utf8")) as CompilerOutput;
  const digest: Digest = { enums: {}, dependencyErrors: {} };
  for (const { ast } of Object.values(output.sources)) collectEnums(ast, digest.enums);
  for (const [source, contracts] of Object.entries(output.contracts)) {
    if (!source.startsWith("npm/")) continue;
    for (const [name, { abi }] of Object.entries(contracts)) {
      const errors = abi.filter((f) => f.type === "error");
      if (errors.length > 0) (digest.dependencyErrors[source] ??= {})[name] = errors;
    }
  }
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cacheFile, JSON.stringify(digest));
  } catch {
    // a read-only checkout: parse again next time
  }
  return digest;
}

const digests = new Map<string, Digest[]>();

/** The digests of the solc outputs of `artifactsDir`, newest first (a stale one loses to a fresh one). */
function compilerDigests(artifactsDir: string): Digest[] {
  let cached = digests.get(artifactsDir);
  if (cached) return cached;
  const dir = path.join(artifactsDir, "build-info");
  // Hardhat's cache folder, beside the artifacts.
  const cacheDir = path.join(path.dirname(path.resolve(artifactsDir)), "cache", "gridledger");
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".output.json"));
  } catch {
    throw new BuildOutputError(`no compiler output in ${dir}`);
  }
  cached = files
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    .map((file) => digestOf(file, cacheDir));
  digests.set(artifactsDir, cached);
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
 * The errors of a contract compiled as a dependency, by its package, source path and name, e.g.
 * ("@openzeppelin/contracts", "interfaces/draft-IERC6093.sol", "IERC20Errors").
 */
export function dependencyErrors(
  packageName: string,
  sourcePath: string,
  contractName: string,
  artifactsDir = ARTIFACTS_DIR,
): JsonFragment[] {
  for (const { dependencyErrors: sources } of compilerDigests(artifactsDir)) {
    for (const [source, contracts] of Object.entries(sources)) {
      // Hardhat names npm sources npm/<package>@<version>/<path>.
      if (!source.startsWith(`npm/${packageName}@`) || !source.endsWith(`/${sourcePath}`)) continue;
      const errors = contracts[contractName];
      if (errors) return errors;
    }
  }
  throw new BuildOutputError(`no ${contractName} of ${packageName}/${sourcePath} in the build`);
}

/** The member names of an enum by its canonical name ("IEnergyMarket.SlotStatus"), in order. */
export function enumDefinition(
  canonicalName: string,
  artifactsDir = ARTIFACTS_DIR,
): string[] | undefined {
  for (const { enums } of compilerDigests(artifactsDir)) {
    const found = enums[canonicalName];
    if (found) return found;
  }
  return undefined;
}
