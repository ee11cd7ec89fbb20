/**
 * What every command shares: one-line failures (a bad argument names itself, a revert shows its decoded
 * custom error, never a stack trace), the network's accounts, and the deployed suite.
 */
import type { Contract, ContractTransactionResponse } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { chainFrom, type Chain } from "./chain.js";
import { loadSuite, type Suite } from "./deployment.js";
import { refuseEmbedded } from "./devnode.js";
import { ErrorDecoder, oneLine, UsageError } from "./errors.js";
import { ScenarioError } from "../scenario/fields.js";
import { resolveSlot } from "./slots.js";
import { UnitError } from "./units.js";

export interface CommandContext {
  hre: HardhatRuntimeEnvironment;
  chain: Chain;
  suite: Suite;
  decoder: ErrorDecoder;
  print: (line: string) => void;
}

export type CommandResult = { success: true; value: unknown } | { success: false; error: Error };

/** Runs a command body; any failure becomes one line on stderr and exit code 1. */
export async function runCommand(body: () => Promise<unknown>): Promise<CommandResult> {
  try {
    return { success: true, value: await body() };
  } catch (error) {
    const message =
      error instanceof UsageError || error instanceof UnitError || error instanceof ScenarioError
        ? `error: ${error.message}`
        : `error: ${oneLine(error)}`;
    process.stderr.write(`${message}\n`);
    if (process.env.GRIDLEDGER_DEBUG) console.error(error);
    process.exitCode = 1;
    return { success: false, error: error as Error };
  }
}

export function decoderFor(suite: Suite): ErrorDecoder {
  return new ErrorDecoder(
    [suite.registry, suite.market, suite.certificates, suite.token].map(
      (c) => c.interface,
    ) as never,
  );
}

/**
 * Compiles the contracts if anything changed (a fresh clone has no artifacts yet): commands and the
 * simulation load ABIs and bytecode from the artifacts. Quiet, and a no-op when all is up to date.
 */
export async function ensureBuilt(hre: HardhatRuntimeEnvironment): Promise<void> {
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
}

/**
 * Connects to `--network` and finds the suite in Ignition's record. The embedded network's connection is
 * shared within the process, and its suite deployed once, so commands run one after the other see one chain.
 */
export async function openContext(
  hre: HardhatRuntimeEnvironment,
  deploymentId = "",
): Promise<CommandContext> {
  await ensureBuilt(hre);
  const chain = await chainFrom(await hre.network.getOrCreate());
  const suite = await loadSuite(chain, { deploymentId: deploymentId || undefined });
  return {
    hre,
    chain,
    suite,
    decoder: decoderFor(suite),
    print: (line) => process.stdout.write(`${line}\n`),
  };
}

/** The account `--account` names: an index into the network's accounts, or one of their addresses. */
export async function signerFor(chain: Chain, account: string, option = "--account") {
  const signers = await chain.ethers.getSigners();
  if (/^\d+$/.test(account)) {
    const signer = signers[Number(account)];
    if (!signer)
      throw new UsageError(
        option,
        `account ${account} does not exist (this network has ${signers.length})`,
      );
    return signer;
  }
  const signer = signers.find((s) => s.address.toLowerCase() === account.toLowerCase());
  if (!signer)
    throw new UsageError(
      option,
      `${account} is not an account of this network (give an index 0..${signers.length - 1} or one of its addresses)`,
    );
  return signer;
}

/** The options every state-changing slot command takes. */
export interface SlotCommandArgs {
  slot: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

/**
 * The start of a state-changing slot command: refused on the in-process chain (unless --ephemeral), then
 * the context, the signer of --account and the slot --slot names (absolute or relative).
 */
export async function openSlotCommand(hre: HardhatRuntimeEnvironment, args: SlotCommandArgs) {
  refuseEmbedded(hre, args.ephemeral);
  const ctx = await openContext(hre, args.deploymentId);
  const signer = await signerFor(ctx.chain, args.account || "0");
  const slot = await resolveSlot(ctx.chain, ctx.suite.market, args.slot);
  return { ctx, signer, slot };
}

/** The first of the network's accounts that holds `role` on `contract`, or the one `--account` names. */
export async function roleSigner(
  chain: Chain,
  contract: Contract,
  roleName: string,
  account: string,
) {
  const role = (await contract.getFunction(roleName)()) as string;
  if (account !== "") {
    const signer = await signerFor(chain, account);
    return signer;
  }
  for (const signer of await chain.ethers.getSigners()) {
    if ((await contract.getFunction("hasRole")(role, signer.address)) as boolean) return signer;
  }
  throw new UsageError("--account", `no account of this network holds ${roleName}`);
}

/** Sends a contract call, waits for it, and turns a revert into its decoded custom error. */
export async function transact(
  ctx: CommandContext,
  action: string,
  send: () => Promise<ContractTransactionResponse>,
): Promise<{ hash: string; gasUsed: bigint; logs: readonly import("ethers").Log[] }> {
  try {
    const tx = await send();
    const receipt = await tx.wait();
    if (!receipt) throw new Error(`${action}: no receipt`);
    return { hash: receipt.hash, gasUsed: receipt.gasUsed, logs: receipt.logs };
  } catch (error) {
    throw ctx.decoder.explain(action, error);
  }
}

export function parseAddress(value: string, option: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new UsageError(option, `"${value}" is not an address (0x followed by 40 hex digits)`);
  return value;
}

export function parseChoice<T extends string>(
  value: string,
  option: string,
  choices: readonly T[],
): T {
  const v = value.toLowerCase() as T;
  if (!choices.includes(v))
    throw new UsageError(option, `"${value}" is not one of ${choices.join(", ")}`);
  return v;
}

export function parseWhole(value: string, option: string): bigint {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(option, `"${value}" is not a whole number`);
  return BigInt(value.trim());
}
