/**
 * The load test's keeper: reads a slot's status, clears and settles slots the clients left, and delivers a
 * settled slot's certificates in pages (both passes), each call journaled by its AccountSender.
 */
import { CERTIFY_SELLERS_PAGE, CLAIM_BUYERS_PAGE } from "../scripts/lib/certification.js";
import { keeperWallet, type Deployment } from "./lib/config.js";
import { SlotStatus, certificatesInterface, marketInterface } from "./lib/contracts.js";
import { Journal } from "./lib/journal.js";
import type { Rpc } from "./lib/rpc.js";
import { AccountSender } from "./lib/sender.js";

type Log = (message: string) => void;

const PASSES = [
  ["certifySellers", CERTIFY_SELLERS_PAGE, "sellersDone"],
  ["claimBuyers", CLAIM_BUYERS_PAGE, "buyersDone"],
] as const;

export class Keeper {
  private constructor(
    private readonly rpc: Rpc,
    private readonly d: Deployment,
    private readonly sender: AccountSender,
    private readonly log: Log,
  ) {}

  static async open(rpc: Rpc, d: Deployment, journalPath: string, log: Log): Promise<Keeper> {
    const sender = await AccountSender.open(
      rpc,
      keeperWallet(),
      BigInt(d.chainId),
      new Journal(journalPath),
      "keeper",
    );
    return new Keeper(rpc, d, sender, log);
  }

  private async call(to: string, data: string): Promise<string> {
    return this.rpc.call<string>("eth_call", [{ to, data }, "latest"]);
  }

  async slotStatus(slot: number): Promise<SlotStatus> {
    const data = marketInterface.encodeFunctionData("slotInfo", [slot]);
    const [info] = marketInterface.decodeFunctionResult(
      "slotInfo",
      await this.call(this.d.market, data),
    );
    return Number(info.status) as SlotStatus;
  }

  async marketCall(fn: "clear" | "settle", slot: number): Promise<void> {
    const result = await this.sender.submit({
      kind: fn,
      to: this.d.market,
      data:
        fn === "clear"
          ? marketInterface.encodeFunctionData("clear", [slot])
          : marketInterface.encodeFunctionData("settle", [slot]),
      meta: { slot },
    });
    this.log(
      `keeper ${fn}(${slot}): ${result.outcome.status}${result.outcome.error ? " " + result.outcome.error : ""}`,
    );
  }

  private async traded(slot: number): Promise<boolean> {
    const data = marketInterface.encodeFunctionData("settledTrade", [slot]);
    const [trade] = marketInterface.decodeFunctionResult(
      "settledTrade",
      await this.call(this.d.market, data),
    ) as unknown as [boolean];
    return trade;
  }

  private async passDone(slot: number, doneField: (typeof PASSES)[number][2]): Promise<boolean> {
    const data = certificatesInterface.encodeFunctionData("certificationOf", [slot]);
    const progress = certificatesInterface.decodeFunctionResult(
      "certificationOf",
      await this.call(this.d.certificates, data),
    );
    return Boolean(progress[doneField]);
  }

  /** A traded slot's certificates after its settlement, whoever settled it: both passes, in pages. */
  async certify(slot: number): Promise<void> {
    if (!(await this.traded(slot))) return;
    for (const [fn, pageSize, doneField] of PASSES) {
      while (!(await this.passDone(slot, doneField))) {
        const result = await this.sender.submit({
          kind: "certify",
          to: this.d.certificates,
          data:
            fn === "certifySellers"
              ? certificatesInterface.encodeFunctionData("certifySellers", [slot, pageSize])
              : certificatesInterface.encodeFunctionData("claimBuyers", [slot, pageSize]),
          meta: { slot, fn },
        });
        this.log(
          `keeper ${fn}(${slot}, ${pageSize}): ${result.outcome.status}${result.outcome.error ? " " + result.outcome.error : ""}`,
        );
        if (result.outcome.status !== "accepted") break;
      }
    }
  }
}
