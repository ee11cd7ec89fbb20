/**
 * Sending many transactions fast, and counting their gas per role.
 *
 * Every sender is an Actor with its own nonce counter, so a whole tick of the simulation (orders, a
 * clear, a batch of readings, a settlement...) is sent without waiting, then mined together:
 * - on a development node ("mine" mode) automine is switched off and the batch is mined with evm_mine
 *   at a timestamp we choose, a few blocks per tick instead of one per transaction;
 * - elsewhere ("wait" mode) the transactions are sent and their receipts awaited.
 * Transactions within a batch must not depend on each other, except through one sender's nonce order.
 * Gas limits are explicit (no estimation against a state that is still pending); see GAS_LIMITS.
 */
import { Interface, Wallet, type TransactionReceipt, type Log } from "ethers";
import { retryOnClosedConnection, type Chain } from "../lib/chain.js";
import type { ErrorDecoder } from "../lib/errors.js";

export type Role =
  "deployer" | "grid operator" | "household" | "aggregator" | "data hub" | "keeper" | "regulator";

/** An account that sends transactions, with its own nonce counter (shared by every role it plays). */
export interface Account {
  address: string;
  /** Local key (households); absent for accounts the node or Hardhat's provider signs for. */
  wallet?: Wallet;
  nonce: number;
}

/** A role played by an account: gas is counted per role. */
export interface Actor {
  role: Role;
  account: Account;
  address: string;
}

export interface SentTx {
  hash: string;
  actor: Actor;
  label: string;
  to: string;
  data: string;
  gasLimit: bigint;
  value: bigint;
}

export interface MinedTx extends SentTx {
  receipt: TransactionReceipt;
}

export interface RoleTally {
  transactions: number;
  gasUsed: bigint;
}

const GWEI = 1_000_000_000n;

export class TxFailedError extends Error {}

export class TxRunner {
  private pending: SentTx[] = [];
  private fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | undefined;
  readonly tally = new Map<Role, RoleTally>();
  /** Per action (the label's first word: placeOrder, clear, settle...): count, gas, largest gas of one. */
  readonly actions = new Map<string, RoleTally & { maxGas: bigint }>();
  transactions = 0;
  /** Seconds spent signing and sending, and mining and collecting receipts. */
  readonly seconds = { send: 0, mine: 0 };
  private automineOff = false;

  constructor(
    readonly chain: Chain,
    readonly mode: "mine" | "wait",
    /** Decodes the suite's custom errors (reverts, and the reasons of skipped signed orders). */
    readonly decoder: ErrorDecoder,
  ) {}

  private readonly accounts = new Map<string, Promise<Account>>();

  /** The actor playing `role` from `address`; one nonce counter per address, whatever the role. */
  async actor(role: Role, address: string, wallet?: Wallet): Promise<Actor> {
    const key = address.toLowerCase();
    let account = this.accounts.get(key);
    if (!account) {
      account = this.chain
        .rpc<string>("eth_getTransactionCount", [address, "pending"])
        .then((nonce) => ({ address, wallet, nonce: Number(nonce) }));
      this.accounts.set(key, account);
    }
    return { role, account: await account, address };
  }

  /** Switches automine off on a development node (mine mode); `restore` switches it back on. */
  async begin(): Promise<void> {
    if (this.mode === "mine" && !this.automineOff) {
      await this.chain.rpc("evm_setAutomine", [false]);
      this.automineOff = true;
    }
  }

  async restore(): Promise<void> {
    if (this.automineOff) {
      await this.chain.rpc("evm_setAutomine", [true]);
      this.automineOff = false;
    }
  }

  private async currentFees() {
    if (this.fees) return this.fees;
    const block = await this.chain.rpc<{ baseFeePerGas?: string }>("eth_getBlockByNumber", [
      "latest",
      false,
    ]);
    const base = BigInt(block.baseFeePerGas ?? "0");
    let tip = GWEI;
    if (!this.chain.devNode) {
      try {
        tip = BigInt(await this.chain.rpc<string>("eth_maxPriorityFeePerGas"));
      } catch {
        tip = GWEI;
      }
    }
    // Twice the base fee survives several full blocks in a row (+12.5 % each) before a resend is needed.
    this.fees = { maxFeePerGas: base * 2n + tip, maxPriorityFeePerGas: tip };
    return this.fees;
  }

  /** Sends a transaction without waiting for it to be mined. */
  async send(
    actor: Actor,
    label: string,
    to: string,
    data: string,
    gasLimit: bigint,
    value = 0n,
  ): Promise<SentTx> {
    const started = performance.now();
    const fees = await this.currentFees();
    const account = actor.account;
    const nonce = account.nonce;
    let hash: string;
    if (account.wallet) {
      const raw = await account.wallet.signTransaction({
        type: 2,
        chainId: this.chain.chainId,
        nonce,
        to,
        data,
        value,
        gasLimit,
        ...fees,
      });
      hash = await this.chain.rpc<string>("eth_sendRawTransaction", [raw]);
    } else {
      hash = await this.chain.rpc<string>("eth_sendTransaction", [
        {
          from: actor.address,
          to,
          data,
          value: `0x${value.toString(16)}`,
          gas: `0x${gasLimit.toString(16)}`,
          nonce: `0x${nonce.toString(16)}`,
          maxFeePerGas: `0x${fees.maxFeePerGas.toString(16)}`,
          maxPriorityFeePerGas: `0x${fees.maxPriorityFeePerGas.toString(16)}`,
        },
      ]);
    }
    account.nonce = nonce + 1;
    const tx = { hash, actor, label, to, data, gasLimit, value };
    this.pending.push(tx);
    this.seconds.send += (performance.now() - started) / 1000;
    return tx;
  }

  /**
   * Mines (mine mode, first block at `timestamp` when given) or awaits (wait mode) everything sent since
   * the last flush. Throws on a reverted transaction, with its decoded custom error.
   */
  async flush(timestamp?: number): Promise<MinedTx[]> {
    const batch = this.pending;
    this.pending = [];
    this.fees = undefined;
    if (batch.length === 0 && timestamp === undefined) return [];
    const started = performance.now();
    const receipts = new Map<string, TransactionReceipt>();
    const provider = this.chain.ethers.provider;
    if (this.mode === "mine") {
      if (timestamp !== undefined) await this.chain.rpc("evm_setNextBlockTimestamp", [timestamp]);
      for (let round = 0; ; round++) {
        await this.chain.rpc("evm_mine");
        const missing = batch.filter((tx) => !receipts.has(tx.hash));
        const found = await Promise.all(
          missing.map((tx) =>
            retryOnClosedConnection(() => provider.getTransactionReceipt(tx.hash)),
          ),
        );
        found.forEach((r, i) => r && receipts.set(missing[i]!.hash, r));
        if (receipts.size === batch.length) break;
        if (round > 200)
          throw new TxFailedError(`${batch.length - receipts.size} transactions were never mined`);
      }
    } else {
      await Promise.all(
        batch.map(async (tx) => {
          const r = await provider.waitForTransaction(tx.hash, 1, 600_000);
          if (!r) throw new TxFailedError(`${tx.label}: no receipt for ${tx.hash}`);
          receipts.set(tx.hash, r);
        }),
      );
    }
    this.seconds.mine += (performance.now() - started) / 1000;
    const mined = batch.map((tx) => ({ ...tx, receipt: receipts.get(tx.hash)! }));
    for (const tx of mined) {
      const tally = this.tally.get(tx.actor.role) ?? { transactions: 0, gasUsed: 0n };
      tally.transactions += 1;
      tally.gasUsed += tx.receipt.gasUsed;
      this.tally.set(tx.actor.role, tally);
      const name = tx.label.split(" ")[0]!;
      const action = this.actions.get(name) ?? { transactions: 0, gasUsed: 0n, maxGas: 0n };
      action.transactions += 1;
      action.gasUsed += tx.receipt.gasUsed;
      if (tx.receipt.gasUsed > action.maxGas) action.maxGas = tx.receipt.gasUsed;
      this.actions.set(name, action);
      this.transactions += 1;
    }
    const failed = mined.find((tx) => tx.receipt.status !== 1);
    if (failed) throw await this.explainFailure(failed);
    return mined;
  }

  /**
   * Replays a failed transaction as a call on its own block (right timestamp; the failed transaction changed
   * nothing) to recover its revert reason.
   */
  private async explainFailure(tx: MinedTx): Promise<Error> {
    const gas = `${tx.receipt.gasUsed} of ${tx.gasLimit} gas`;
    if (tx.receipt.gasUsed >= tx.gasLimit) {
      return new TxFailedError(
        `${tx.label} ran out of gas (${gas}); raise its limit in GAS_LIMITS`,
      );
    }
    try {
      await this.chain.rpc("eth_call", [
        { from: tx.actor.address, to: tx.to, data: tx.data, gas: `0x${tx.gasLimit.toString(16)}` },
        `0x${tx.receipt.blockNumber.toString(16)}`,
      ]);
    } catch (error) {
      const explained = this.decoder.explain(tx.label, error);
      explained.message += ` (${gas})`;
      return explained;
    }
    return new TxFailedError(
      `${tx.label} reverted in block ${tx.receipt.blockNumber}, ${gas} (probably out of gas in a nested call)`,
    );
  }
}

/** Parses the logs of receipts with a set of contract interfaces. */
export function parseLogs(
  receipts: readonly TransactionReceipt[],
  contracts: ReadonlyArray<{ address: string; iface: Interface }>,
): Array<{ name: string; args: Record<string, unknown> & unknown[]; log: Log }> {
  const byAddress = new Map(contracts.map((c) => [c.address.toLowerCase(), c.iface]));
  const out: Array<{ name: string; args: Record<string, unknown> & unknown[]; log: Log }> = [];
  for (const receipt of receipts) {
    for (const log of receipt.logs) {
      const iface = byAddress.get(log.address.toLowerCase());
      if (!iface) continue;
      const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
      if (parsed) out.push({ name: parsed.name, args: parsed.args as never, log });
    }
  }
  return out;
}
