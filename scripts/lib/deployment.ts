/**
 * The deployed suite: deployed with Ignition (embedded network, simulation), or found in Ignition's
 * deployment record of the chain (ignition/deployments/chain-<id>/deployed_addresses.json), so that no
 * one copies addresses by hand.
 */
import { readFile, rename } from "node:fs/promises";
import path from "node:path";
import type { Contract } from "ethers";
import GridLedgerModule from "../../ignition/modules/GridLedger.js";
import type { Chain } from "./chain.js";
import { UsageError } from "./errors.js";

export interface Suite {
  registry: Contract;
  market: Contract;
  /** The market's OrderRouter (signed orders, placeOrders), read from `market.orderRouter()`. */
  orderRouter: Contract;
  certificates: Contract;
  token: Contract;
  addresses: Record<"registry" | "market" | "certificates" | "token", string>;
  /** Where the addresses came from. */
  source: string;
}

export type DeploymentParameters = Record<string, string | number | bigint | boolean>;

const CONTRACT_KEYS = {
  registry: "MeterRegistry",
  market: "EnergyMarket",
  certificates: "EnergyCertificates",
} as const;

async function attach(
  chain: Chain,
  addresses: Omit<Suite["addresses"], "token">,
  source: string,
): Promise<Suite> {
  const { ethers } = chain;
  // Plain ethers Contracts (typechain types differ per contract; the scripts call by name).
  const at = async (name: string, address: string) =>
    (await ethers.getContractAt(name, address)) as unknown as Contract;
  const registry = await at("MeterRegistry", addresses.registry);
  const market = await at("EnergyMarket", addresses.market);
  const certificates = await at("EnergyCertificates", addresses.certificates);
  let tokenAddress: string;
  try {
    tokenAddress = (await market.getFunction("token")()) as string;
  } catch {
    // Code at the address, but not a market (another contract took it on a restarted chain).
    throw new UsageError(
      "--network",
      `${source}: ${addresses.market} on ${chain.networkName} is not a GridLedger market (node restarted?); ${resetAdvice(chain)}`,
    );
  }
  const token = await at("GridStablecoin", tokenAddress);
  const orderRouter = await at(
    "OrderRouter",
    (await market.getFunction("orderRouter")()) as string,
  );
  return {
    registry,
    market,
    orderRouter,
    certificates,
    token,
    addresses: { ...addresses, token: tokenAddress },
    source,
  };
}

/** How to start again after a node restart: the record of the old chain must go. */
function resetAdvice(chain: Chain, deploymentId?: string): string {
  const dir = deploymentDir(chain, deploymentId);
  return `remove it (rm -rf ${dir}) or deploy with --reset (npx hardhat ignition deploy ignition/modules/GridLedger.ts --network ${chain.networkName} --reset${deploymentId ? ` --deployment-id ${deploymentId}` : ""} --parameters <file>)`;
}

/** Whether Ignition's record names a market that has no code on this chain (the node was restarted). */
async function recordIsStale(chain: Chain, deploymentId?: string): Promise<boolean> {
  const record = await readDeploymentRecord(chain, deploymentId);
  if (!record) return false;
  return (await chain.rpc<string>("eth_getCode", [record.market, "latest"])) === "0x";
}

/**
 * Deploys the suite with Ignition (module GridLedger) and returns it. A record whose contracts are gone
 * would make Ignition answer with the old addresses: on a development node (restarted, so its chain is
 * new) the record is moved aside to <dir>.stale-<time> and the suite deployed afresh; elsewhere refused.
 */
export async function deploySuite(
  chain: Chain,
  parameters: DeploymentParameters = {},
  deploymentId?: string,
): Promise<Suite> {
  if (!chain.embedded && (await recordIsStale(chain, deploymentId))) {
    const dir = deploymentDir(chain, deploymentId);
    if (!chain.devNode)
      throw new UsageError(
        "--network",
        `the Ignition record ${dir} names contracts that are not on ${chain.networkName}; ${resetAdvice(chain, deploymentId)}`,
      );
    const aside = `${dir}.stale-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    await rename(dir, aside);
    process.stderr.write(
      `note: ${dir} named contracts that are not on ${chain.networkName} (node restarted?): moved it to ${aside}\n`,
    );
  }
  const deployed = await chain.connection.ignition.deploy(GridLedgerModule, {
    parameters: { GridLedger: parameters as never },
    displayUi: false,
    ...(deploymentId && !chain.embedded ? { deploymentId } : {}),
  });
  return attach(
    chain,
    {
      registry: await deployed.registry.getAddress(),
      market: await deployed.market.getAddress(),
      certificates: await deployed.certificates.getAddress(),
    },
    chain.embedded ? "deployed by Ignition on the embedded network" : "deployed by Ignition",
  );
}

export function deploymentDir(
  chain: Pick<Chain, "chainId">,
  deploymentId?: string,
  root = "ignition",
): string {
  return path.join(root, "deployments", deploymentId ?? `chain-${chain.chainId}`);
}

/**
 * Reads Ignition's record of `deploymentId` (default chain-<chainId>): keys look like
 * "GridLedger#EnergyMarket" or "GridLedgerExternalToken#EnergyMarket"; any module's key ending in
 * "#<contract>" is taken. Only the chain id is needed, so the auditor (a bare provider) reads it too.
 */
export async function readDeploymentRecord(
  chain: Pick<Chain, "chainId">,
  deploymentId?: string,
  root = "ignition",
): Promise<Omit<Suite["addresses"], "token"> | undefined> {
  const file = path.join(deploymentDir(chain, deploymentId, root), "deployed_addresses.json");
  let record: Record<string, string>;
  try {
    record = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  } catch {
    return undefined;
  }
  const find = (contract: string) =>
    Object.entries(record).find(([key]) => key.endsWith(`#${contract}`))?.[1];
  const registry = find(CONTRACT_KEYS.registry);
  const market = find(CONTRACT_KEYS.market);
  const certificates = find(CONTRACT_KEYS.certificates);
  if (!registry || !market || !certificates) return undefined;
  return { registry, market, certificates };
}

/** Suites deployed on embedded networks, per connection, so that commands in one process share one. */
const embeddedSuites = new WeakMap<object, Promise<Suite>>();

/**
 * The suite of this chain: from Ignition's record; on the embedded network (whose state starts empty in
 * every process) it is deployed first. A missing record is a one-line UsageError telling what to run.
 */
export async function loadSuite(
  chain: Chain,
  options: { deploymentId?: string; parameters?: DeploymentParameters } = {},
): Promise<Suite> {
  const record = chain.embedded
    ? undefined
    : await readDeploymentRecord(chain, options.deploymentId);
  if (record) {
    if (await recordIsStale(chain, options.deploymentId)) {
      throw new UsageError(
        "--network",
        `the Ignition record ${deploymentDir(chain, options.deploymentId)} names contracts that are not on ${chain.networkName} (node restarted?); ${resetAdvice(chain, options.deploymentId)}`,
      );
    }
    return attach(chain, record, `Ignition record ${deploymentDir(chain, options.deploymentId)}`);
  }
  if (chain.embedded) {
    let suite = embeddedSuites.get(chain.connection);
    if (!suite) {
      suite = deploySuite(chain, options.parameters);
      embeddedSuites.set(chain.connection, suite);
    }
    return suite;
  }
  throw new UsageError(
    "--network",
    `no GridLedger deployment for chain ${chain.chainId} in ${deploymentDir(chain, options.deploymentId)}; run: npx hardhat ignition deploy ignition/modules/GridLedger.ts --network ${chain.networkName} --parameters <file>`,
  );
}
