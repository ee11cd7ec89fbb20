/**
 * `hardhat certificates balance [--account <index|address>] [--from-block N]`: an account's certificates per
 * vintage, found from the ERC-1155 transfers to and from it and confirmed with `balanceOfBatch`, then its
 * retirements. Read-only: works on the in-process chain too.
 */
import { toUtf8String, zeroPadValue, type Log } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { getLogsPaged } from "../../scripts/lib/logs.js";
import { DEFAULT_PAGE_SIZE } from "../../scripts/audit/audit.js";
import { openContext, parseWhole, runCommand } from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { whToKWh } from "../../scripts/lib/units.js";
import { accountAddress, describeVintage, vintageOf } from "./vintages.js";

interface BalanceArguments {
  account: string;
  fromBlock: string;
  deploymentId: string;
}

/** The purpose a retirement recorded: its UTF-8 text, or the hex of bytes that are not text (a hash). */
function purposeOf(claimData: string): string {
  try {
    const text = toUtf8String(claimData);
    if (!/[\u0000-\u001f]/.test(text)) return JSON.stringify(text);
  } catch {
    // not UTF-8: a document hash or other bytes
  }
  return claimData;
}

export default async function balance(args: BalanceArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    const fromBlock =
      args.fromBlock === "" ? 0 : Number(parseWhole(args.fromBlock, "--from-block"));
    const ctx = await openContext(hre, args.deploymentId);
    const account = await accountAddress(ctx, args.account);
    const { certificates } = ctx.suite;
    const toBlock = await ctx.chain.ethers.provider.getBlockNumber();
    if (fromBlock > toBlock)
      throw new UsageError("--from-block", `${fromBlock} is after the head block ${toBlock}`);
    const topic = (name: Parameters<typeof certificates.interface.getEvent>[0]) =>
      certificates.interface.getEvent(name)!.topicHash;
    const transfers = [topic("TransferSingle"), topic("TransferBatch")];
    const padded = zeroPadValue(account, 32);
    const address = await certificates.getAddress();
    const logs = (topics: (string | string[] | null)[]) =>
      getLogsPaged(ctx.chain.ethers.provider, [address], topics, {
        fromBlock,
        toBlock,
        pageSize: DEFAULT_PAGE_SIZE,
      });
    const seen = new Set<string>();
    const moved: Log[] = [];
    for (const log of [
      ...(await logs([transfers, null, padded])),
      ...(await logs([transfers, null, null, padded])),
    ]) {
      const key = `${log.transactionHash}:${log.index}`;
      if (seen.has(key)) continue; // a transfer to itself matches both queries
      seen.add(key);
      moved.push(log);
    }

    // The net of the transfers per id: what the events since --from-block account for.
    const net = new Map<bigint, bigint>();
    const lower = account.toLowerCase();
    for (const log of moved) {
      const event = certificates.interface.parseLog(log)!;
      const ids = (event.name === "TransferSingle" ? [event.args.id] : event.args.ids) as bigint[];
      const values = (
        event.name === "TransferSingle" ? [event.args.value] : event.args[4]
      ) as bigint[];
      const sign =
        (String(event.args.to).toLowerCase() === lower ? 1n : 0n) -
        (String(event.args.from).toLowerCase() === lower ? 1n : 0n);
      ids.forEach((id, i) => net.set(id, (net.get(id) ?? 0n) + sign * values[i]!));
    }
    const ids = [...net.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const held = await certificates.balanceOfBatch(
      ids.map(() => account),
      ids,
    );
    const total = held.reduce((sum, wh) => sum + wh, 0n);
    const shown = ids.filter((id, i) => held[i]! > 0n || net.get(id) !== held[i]);
    ctx.print(
      `account ${account}: ${whToKWh(total)} kWh of certificates in ${shown.length} vintage${shown.length === 1 ? "" : "s"} (transfers of blocks ${fromBlock}..${toBlock})`,
    );
    for (const id of shown) {
      const wh = held[ids.indexOf(id)]!;
      const fromEvents = net.get(id)!;
      const note =
        fromEvents === wh
          ? ""
          : `; the transfers since block ${fromBlock} account for ${whToKWh(fromEvents)} kWh`;
      ctx.print(
        `${await describeVintage(ctx, await vintageOf(certificates, id))}: ${whToKWh(wh)} kWh (${wh} Wh, id ${id}${note})`,
      );
    }

    const retirements = await logs([topic("CertificatesRetired"), padded]);
    const retired = retirements.reduce(
      (sum, log) => sum + (certificates.interface.parseLog(log)!.args.amountWh as bigint),
      0n,
    );
    ctx.print(
      `retired ${whToKWh(retired)} kWh in ${retirements.length} retirement${retirements.length === 1 ? "" : "s"}`,
    );
    for (const log of retirements) {
      const { id, amountWh, beneficiary, claimData } = certificates.interface.parseLog(log)!.args;
      ctx.print(
        `retired ${whToKWh(amountWh as bigint)} kWh of ${await describeVintage(ctx, await vintageOf(certificates, id as bigint))} for ${beneficiary}, purpose ${purposeOf(claimData as string)} (block ${log.blockNumber}, tx ${log.transactionHash})`,
      );
    }
  });
}
