// Log queries in pages of block ranges: public RPCs cap the range and the number of results of
// eth_getLogs. A page the node refuses as too large is split in halves until it fits.
import type { Filter, Log, Provider } from "ethers";

export interface PageOptions {
  fromBlock: number;
  toBlock: number;
  pageSize: number;
  /** Called after each page, for progress output. */
  onPage?: (from: number, to: number, logs: number) => void;
}

const TOO_LARGE = /range|too many|limit|exceed|10000|response size|query returned more/i;

/** All logs of `addresses` matching `topics` between fromBlock and toBlock, in block order. */
export async function getLogsPaged(
  provider: Provider,
  addresses: string[],
  topics: Filter["topics"],
  options: PageOptions,
): Promise<Log[]> {
  const logs: Log[] = [];
  for (let from = options.fromBlock; from <= options.toBlock; from += options.pageSize) {
    const to = Math.min(from + options.pageSize - 1, options.toBlock);
    const page = await getRange(provider, addresses, topics, from, to);
    options.onPage?.(from, to, page.length);
    logs.push(...page);
  }
  return logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}

async function getRange(
  provider: Provider,
  addresses: string[],
  topics: Filter["topics"],
  from: number,
  to: number,
): Promise<Log[]> {
  try {
    return await provider.getLogs({ address: addresses, topics, fromBlock: from, toBlock: to });
  } catch (error) {
    const message = String((error as { message?: string }).message ?? error);
    if (from === to || !TOO_LARGE.test(message)) throw error;
    const middle = Math.floor((from + to) / 2);
    return [
      ...(await getRange(provider, addresses, topics, from, middle)),
      ...(await getRange(provider, addresses, topics, middle + 1, to)),
    ];
  }
}
