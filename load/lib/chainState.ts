/** Reads of chain state that the client, the data hub and the driver share. */
import { zeroPadValue } from "ethers";

import { latestTimestampVia } from "../../scripts/lib/chain.js";
import { marketInterface } from "./contracts.js";
import type { Deployment } from "./config.js";
import { sleep, type Rpc } from "./rpc.js";
import type { RawLog } from "./sender.js";

export const latestTimestamp = (rpc: Rpc): Promise<number> =>
  latestTimestampVia((method, params) => rpc.call(method, params));

/**
 * The chain's time as last seen, refreshed every `everyMs` in the background (the node's timestamp jumps
 * when the driver moves time). A refresh that fails keeps the last value: the clock only steers choices.
 */
export class ChainClock {
  now = 0;
  private _running = true;

  static async start(rpc: Rpc, everyMs = 400): Promise<ChainClock> {
    const clock = new ChainClock();
    clock.now = await latestTimestamp(rpc);
    void (async () => {
      while (clock._running) {
        await sleep(everyMs);
        try {
          clock.now = await latestTimestamp(rpc);
        } catch {
          // node not answering: keep the last time
        }
      }
    })();
    return clock;
  }

  stop(): void {
    this._running = false;
  }
}

/** Market logs of `topic0` whose second topic (the indexed account) is one of `accounts`. */
export async function marketLogsOf(
  rpc: Rpc,
  d: Deployment,
  event: "OrderPlaced" | "OrderCancelled",
  accounts: string[] | null,
): Promise<RawLog[]> {
  const topic0 = marketInterface.getEvent(event)!.topicHash;
  const topics: (string | string[] | null)[] = [topic0, null];
  if (accounts !== null) topics.push(accounts.map((a) => zeroPadValue(a, 32).toLowerCase()));
  return rpc.call<RawLog[]>("eth_getLogs", [
    { address: d.market, fromBlock: `0x${d.deployBlock.toString(16)}`, toBlock: "latest", topics },
  ]);
}

/** Live orders (id -> slot) of `accounts` as the chain has them: placed and not cancelled. */
export async function liveOrdersOf(
  rpc: Rpc,
  d: Deployment,
  accounts: string[],
): Promise<Map<string, { account: string; slot: number }>> {
  const live = new Map<string, { account: string; slot: number }>();
  for (const log of await marketLogsOf(rpc, d, "OrderPlaced", accounts)) {
    const parsed = marketInterface.parseLog(log)!;
    live.set((parsed.args.orderId as bigint).toString(), {
      account: parsed.args.account as string,
      slot: Number(parsed.args.slot),
    });
  }
  for (const log of await marketLogsOf(rpc, d, "OrderCancelled", accounts)) {
    live.delete((marketInterface.parseLog(log)!.args.orderId as bigint).toString());
  }
  return live;
}
