/**
 * Sends the transactions of one account exactly once, whatever the node or the process does.
 *
 * - Nonces are explicit: taken from the chain when the sender opens, then counted locally. A hardhat node
 *   that automines cannot queue transactions, so each account has one transaction in flight at a time.
 * - A transaction is preflighted with eth_estimateGas (as a wallet does): a revert there is a failure the
 *   client is told about, and nothing is signed, so no nonce is spent.
 * - The signed bytes are journaled before they are sent. A send that times out is retried with the same
 *   bytes (same hash, same nonce), so a retry can never make a second transaction; "nonce too low" on a
 *   retry means the first attempt was mined, which the receipt of the known hash confirms.
 * - After a restart, `recover` re-delivers every journaled transaction that has no outcome yet.
 */
import { Wallet, keccak256 } from "ethers";

import { decodeRevert, marketEvents } from "./contracts.js";
import type { Journal, OpKind, OutcomeEntry, SentEntry } from "./journal.js";
import { RpcError, sleep, type Rpc } from "./rpc.js";

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
}

export interface RawReceipt {
  transactionHash: string;
  status: string;
  blockNumber: string;
  gasUsed: string;
  contractAddress: string | null;
  logs: RawLog[];
}

export interface TxRequest {
  kind: OpKind;
  /** The callee; null deploys `data` as init code. */
  to: string | null;
  data: string;
  value?: bigint;
  meta: Record<string, string | number>;
}

export interface TxResult {
  outcome: OutcomeEntry;
  logs: RawLog[];
  /** Address of the contract a deployment created. */
  contractAddress?: string;
}

/** Fee caps far above what a local node charges, so a transaction is never stuck on its price. */
const MAX_FEE_PER_GAS = 50_000_000_000n;
const MAX_PRIORITY_FEE_PER_GAS = 1_000_000_000n;
/** Receipt polls after a send the node acknowledged (automine answers after mining: normally one). */
const RECEIPT_POLLS = 50;
const RECEIPT_POLL_MS = 100;

const isRevert = (error: RpcError) => error.code === 3 || /revert/i.test(error.message);
const isNonceUsed = (error: RpcError) =>
  /nonce too low|already known|known transaction/i.test(error.message);

export class AccountSender {
  private _count = 0;

  private constructor(
    private readonly _rpc: Rpc,
    readonly wallet: Wallet,
    private readonly _chainId: bigint,
    private readonly _journal: Journal,
    private readonly _opPrefix: string,
    /** Next nonce this account signs with. */
    public nonce: number,
  ) {}

  /** Opens a sender at the account's mined nonce (call `recover` first when a journal exists). */
  static async open(
    rpc: Rpc,
    wallet: Wallet,
    chainId: bigint,
    journal: Journal,
    opPrefix: string,
  ): Promise<AccountSender> {
    const nonce = Number(
      await rpc.call<string>("eth_getTransactionCount", [wallet.address, "latest"]),
    );
    return new AccountSender(rpc, wallet, chainId, journal, opPrefix, nonce);
  }

  get address(): string {
    return this.wallet.address;
  }

  /** Preflights, signs, journals and delivers one transaction; resolves with what the client is told. */
  async submit(request: TxRequest): Promise<TxResult> {
    const op = `${this._opPrefix}:${this.address.slice(2, 10)}:${++this._count}`;
    const base = { op, kind: request.kind, account: this.address, meta: request.meta };
    let gasLimit: bigint;
    try {
      const estimate = await this._rpc.call<string>("eth_estimateGas", [
        {
          from: this.address,
          ...(request.to === null ? {} : { to: request.to }),
          data: request.data,
          ...(request.value ? { value: `0x${request.value.toString(16)}` } : {}),
        },
      ]);
      // Headroom for state that changes between the estimate and the block (e.g. a slot's first order).
      gasLimit = (BigInt(estimate) * 13n) / 10n + 20_000n;
    } catch (error) {
      if (!(error instanceof RpcError) || !isRevert(error)) throw error;
      const outcome: OutcomeEntry = {
        t: "outcome",
        ...base,
        status: "failed",
        stage: "preflight",
        error: decodeRevert(error.data),
      };
      this._journal.append(outcome);
      return { outcome, logs: [] };
    }
    const raw = await this.wallet.signTransaction({
      type: 2,
      chainId: this._chainId,
      nonce: this.nonce,
      to: request.to,
      data: request.data,
      gasLimit,
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
      value: request.value ?? 0n,
    });
    const sent: SentEntry = { t: "sent", ...base, nonce: this.nonce, hash: keccak256(raw), raw };
    this._journal.append(sent);
    return this._deliver(sent, false);
  }

  /**
   * Resolves journaled transactions of this account that have no outcome (a process killed after
   * sending), in nonce order, and resets the nonce to the chain's.
   */
  async recover(pending: SentEntry[]): Promise<TxResult[]> {
    const results: TxResult[] = [];
    for (const sent of [...pending].sort((a, b) => a.nonce - b.nonce)) {
      results.push(await this._deliver(sent, true));
    }
    this.nonce = Number(
      await this._rpc.call<string>("eth_getTransactionCount", [this.address, "latest"]),
    );
    return results;
  }

  private async _deliver(sent: SentEntry, recovered: boolean): Promise<TxResult> {
    let revertData: unknown;
    let nonceUsed = false;
    try {
      await this._rpc.call<string>("eth_sendRawTransaction", [sent.raw]);
    } catch (error) {
      // RpcUnavailable (the node never answered within the retry budget) propagates: the process
      // exits, and its restart resolves this transaction from the journal.
      if (!(error instanceof RpcError)) throw error;
      if (isRevert(error)) revertData = error.data;
      else if (isNonceUsed(error)) nonceUsed = true;
      else throw error;
    }
    const receipt = await this._receipt(sent.hash, !nonceUsed);
    const base = {
      t: "outcome" as const,
      op: sent.op,
      kind: sent.kind,
      account: sent.account,
      hash: sent.hash,
      nonce: sent.nonce,
      meta: sent.meta,
      ...(recovered ? { recovered: nonceUsed ? ("receipt" as const) : ("resend" as const) } : {}),
      ...(!recovered && nonceUsed ? { deduplicated: true as const } : {}),
    };
    let outcome: OutcomeEntry;
    if (receipt === null && !nonceUsed) {
      // Acknowledged but not mined within the polls: leave it journaled as sent for `recover`.
      throw new Error(`${sent.hash} (nonce ${sent.nonce}) was acknowledged but not mined`);
    }
    if (receipt === null) {
      // The nonce was spent by a transaction this journal does not know: a collision. Never expected;
      // the verification counts these.
      outcome = { ...base, status: "failed", stage: "mined", error: "nonce collision" };
      this.nonce = sent.nonce + 1;
      this._journal.append(outcome);
      return { outcome, logs: [] };
    }
    this.nonce = sent.nonce + 1;
    const mined = {
      ...base,
      block: Number(receipt.blockNumber),
      gasUsed: Number(receipt.gasUsed),
    };
    if (receipt.status === "0x1") {
      const placed = marketEvents(receipt.logs).find((e) => e.name === "OrderPlaced");
      outcome = {
        ...mined,
        status: "accepted",
        ...(placed !== undefined ? { orderId: (placed.args.orderId as bigint).toString() } : {}),
      };
    } else {
      const error = revertData !== undefined ? decodeRevert(revertData) : "reverted (status 0)";
      outcome = { ...mined, status: "failed", stage: "mined", error };
    }
    this._journal.append(outcome);
    return {
      outcome,
      logs: receipt.logs,
      ...(receipt.contractAddress ? { contractAddress: receipt.contractAddress } : {}),
    };
  }

  /** The receipt of `hash`; with `wait`, polls (bounded) until the node has it. */
  private async _receipt(hash: string, wait: boolean): Promise<RawReceipt | null> {
    for (let poll = 0; ; poll++) {
      const receipt = await this._rpc.call<RawReceipt | null>("eth_getTransactionReceipt", [hash]);
      if (receipt !== null || poll >= (wait ? RECEIPT_POLLS : 1)) return receipt;
      await sleep(RECEIPT_POLL_MS);
    }
  }
}
