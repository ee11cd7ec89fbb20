/**
 * What every command shares: one-line failures (a bad argument names itself, a revert shows its decoded
 * custom error, never a stack trace), the network's accounts, and the deployed suite.
 */
import {
  getAddress,
  ZeroAddress,
  type BaseContract,
  type ContractTransactionResponse,
  type Log,
  type LogDescription,
} from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { EXPORTED_CONTRACTS, exportedAbi } from "./abi.js";
import { chainFrom, type Chain } from "./chain.js";
import { loadSuite, type Suite } from "./deployment.js";
import { refuseEmbedded } from "./devnode.js";
import { ErrorDecoder, oneLine, UsageError } from "./errors.js";
import { OneLineError } from "./failure.js";
import { roleNames, type AccessControlled } from "./roles.js";
import { resolveSlot } from "./slots.js";
import { currencyToBase } from "./units.js";

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
      // UsageError, UnitError, ScenarioError, BuildOutputError, ConnectionError, … (scripts/lib/failure.ts).
      error instanceof OneLineError ? `error: ${error.message}` : `error: ${oneLine(error)}`;
    process.stderr.write(`${message}\n`);
    if (process.env.GRIDLEDGER_DEBUG) console.error(error);
    process.exitCode = 1;
    return { success: false, error: error as Error };
  }
}

/**
 * The decoder of the suite's errors: the exported ABIs (abi.ts: with the errors the market bubbles up,
 * and the internal types that name enums), the role names of the four contracts and the token's units.
 */
export async function decoderFor(suite: Suite, artifactsDir?: string): Promise<ErrorDecoder> {
  const contracts = [suite.registry, suite.market, suite.certificates, suite.token];
  const roles = new Map<string, string>();
  for (const contract of contracts)
    for (const [hash, name] of await roleNames(contract)) roles.set(hash, name);
  const [symbol, decimals] = await Promise.all([suite.token.symbol(), suite.token.decimals()]);
  return new ErrorDecoder(
    EXPORTED_CONTRACTS.map((name) => exportedAbi(name, artifactsDir)),
    { roles, token: { symbol, decimals: Number(decimals) } },
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
    decoder: await decoderFor(suite, hre.config.paths.artifacts),
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

/** The options of a command that moves an amount of currency from one of the network's accounts. */
export interface AmountCommandArgs {
  amount: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

/**
 * The start of a command that moves currency: --amount required (`example` shows one) and read in the
 * token's units (more than 0 when `positive`), refused on the in-process chain (unless --ephemeral), then
 * the context and the signer of --account.
 */
export async function openAmountCommand(
  hre: HardhatRuntimeEnvironment,
  args: AmountCommandArgs,
  example: string,
  { positive = false } = {},
) {
  if (args.amount === "")
    throw new UsageError("--amount", `is required (currency, e.g. ${example})`);
  const amount = currencyToBase(args.amount, "--amount");
  if (positive && amount === 0n) throw new UsageError("--amount", "must be more than 0");
  refuseEmbedded(hre, args.ephemeral);
  const ctx = await openContext(hre, args.deploymentId);
  const signer = await signerFor(ctx.chain, args.account || "0");
  return { ctx, signer, amount };
}

/** The first of the network's accounts that holds `role` on `contract`, or the one `--account` names. */
export async function roleSigner(
  chain: Chain,
  contract: AccessControlled,
  roleName: string,
  account: string,
) {
  // The role constant is called by the name the command was given (e.g. "MINTER_ROLE").
  const role = (await contract.getFunction(roleName)()) as string;
  if (account !== "") {
    const signer = await signerFor(chain, account);
    return signer;
  }
  for (const signer of await chain.ethers.getSigners()) {
    if (await contract.hasRole(role, signer.address)) return signer;
  }
  throw new UsageError("--account", `no account of this network holds ${roleName}`);
}

/** Sends a contract call, waits for it, and turns a revert into its decoded custom error. */
export async function transact(
  ctx: CommandContext,
  action: string,
  send: () => Promise<ContractTransactionResponse>,
): Promise<{ hash: string; gasUsed: bigint; logs: readonly Log[] }> {
  try {
    const tx = await send();
    const receipt = await tx.wait();
    if (!receipt) throw new Error(`${action}: no receipt`);
    return { hash: receipt.hash, gasUsed: receipt.gasUsed, logs: receipt.logs };
  } catch (error) {
    throw ctx.decoder.explain(action, error);
  }
}

/** The events `name` of `contract` among a receipt's `logs`, in log order (other contracts' logs skipped). */
export function eventsNamed(
  contract: BaseContract,
  logs: readonly Log[],
  name: string,
): LogDescription[] {
  const target = String(contract.target).toLowerCase();
  return logs
    .filter((log) => log.address.toLowerCase() === target)
    .map((log) => contract.interface.parseLog(log))
    .filter((event): event is LogDescription => event?.name === name);
}

/**
 * An address as typed: 0x and 40 hex digits, its checksum checked when it has mixed case (all lower or all
 * upper case carries no checksum), and optionally not the zero address.
 */
export function parseAddress(value: string, option: string, { allowZero = true } = {}): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new UsageError(option, `"${value}" is not an address (0x followed by 40 hex digits)`);
  let address: string;
  try {
    address = getAddress(value);
  } catch {
    throw new UsageError(
      option,
      `${value} has a bad checksum (a typo? copy the address again, or write it in lower case)`,
    );
  }
  if (!allowZero && address === ZeroAddress)
    throw new UsageError(option, "must not be the zero address");
  return address;
}

/** `value` fits the uint parameter `param` of `fn` (its width from the ABI), or a one-line error. */
export function checkFits(
  contract: BaseContract,
  fn: string,
  param: string,
  value: bigint,
  option: string,
  shown: (base: bigint) => string = String,
): bigint {
  const input = contract.interface.getFunction(fn)!.inputs.find((i) => i.name === param);
  const bits = /^uint(\d+)$/.exec(input?.type ?? "")?.[1];
  if (!bits) throw new Error(`${fn} has no uint parameter ${param}`);
  const max = (1n << BigInt(bits)) - 1n;
  if (value > max) throw new UsageError(option, `is too large (at most ${shown(max)})`);
  return value;
}

/**
 * The steps of a command that sends several transactions: when one fails, the error says which were
 * done, so that nobody repeats a mint or wonders where an approval came from.
 */
export class Steps {
  private readonly done: string[] = [];

  async run<T>(step: () => Promise<T>, describe: (result: T) => string): Promise<T> {
    let result: T;
    try {
      result = await step();
    } catch (error) {
      if (this.done.length === 0) throw error;
      throw new Error(`${oneLine(error)}; done before it: ${this.done.join("; ")}`);
    }
    this.done.push(describe(result));
    return result;
  }
}

/** The account a read-only command looks at: an index into the network's accounts, or any address. */
export async function addressFor(chain: Chain, account: string, option = "--account") {
  if (/^0x/i.test(account)) return parseAddress(account, option);
  return (await signerFor(chain, account || "0", option)).address;
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
