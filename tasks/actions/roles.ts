/**
 * `hardhat roles [--from-block N]`: who holds each role on each contract of the deployment, the account
 * that receives shortfall payments and penalties, and a warning for every account that holds more than
 * one kind of privilege. Read-only.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { openContext, parseWhole, runCommand } from "../../scripts/lib/command.js";
import { privilegeWarnings, roleHoldersOf } from "../../scripts/lib/roles.js";

export default async function roles(
  args: { fromBlock: string; deploymentId: string },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    const fromBlock =
      args.fromBlock === "" ? 0 : Number(parseWhole(args.fromBlock, "--from-block"));
    const ctx = await openContext(hre, args.deploymentId);
    const { registry, market, certificates, token } = ctx.suite;
    const provider = ctx.chain.ethers.provider;
    const contracts = { registry, market, certificates, token };
    const all = [];
    for (const [label, contract] of Object.entries(contracts)) {
      // An external stablecoin need not use AccessControl: then it has no roles to list.
      const held = await roleHoldersOf(provider, label, contract, fromBlock).catch((error) => {
        if (contract === token) return [];
        throw error;
      });
      for (const { role, holders, address } of held)
        ctx.print(`${label} ${address} ${role}: ${holders.length ? holders.join(", ") : "(none)"}`);
      all.push(...held);
    }
    const receiver = await market.gridOperatorAccount();
    ctx.print(`market shortfall payments and penalties go to ${receiver}`);
    for (const warning of privilegeWarnings(all, receiver)) ctx.print(warning);
    return all;
  });
}
