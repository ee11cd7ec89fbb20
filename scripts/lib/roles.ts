/**
 * Who holds which role on the suite's contracts, from their RoleGranted / RoleRevoked events (the
 * contracts use OpenZeppelin's AccessControl, which does not enumerate holders), and which accounts hold
 * more privilege than least privilege allows. Role names come from the contracts' ABIs (every
 * `*_ROLE()` constant), never retyped here.
 */
import type { BaseContract, Provider } from "ethers";
import type {
  EnergyCertificates,
  EnergyMarket,
  GridStablecoin,
  MeterRegistry,
} from "../../typechain-types/index.js";
import { getLogsPaged } from "./logs.js";

export interface RoleHolders {
  contract: string;
  address: string;
  role: string;
  holders: string[];
}

/** The suite's contracts: each is an OpenZeppelin AccessControl (hasRole, role constants). */
export type AccessControlled = MeterRegistry | EnergyMarket | EnergyCertificates | GridStablecoin;

/** The role constants of `contract` (DEFAULT_ADMIN_ROLE included), by hash. */
export async function roleNames(contract: BaseContract): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const fragment of contract.interface.fragments) {
    if (fragment.type !== "function") continue;
    const { name, inputs } = fragment as unknown as { name: string; inputs: unknown[] };
    if (!name.endsWith("_ROLE") || inputs.length !== 0) continue;
    // Called by name on purpose: the role constants are whatever the ABI declares, none retyped here.
    names.set(((await contract.getFunction(name)()) as string).toLowerCase(), name);
  }
  return names;
}

/** Replays the role events of `contract` from `fromBlock` into the current holders of each role. */
export async function roleHoldersOf(
  provider: Provider,
  label: string,
  contract: BaseContract,
  fromBlock = 0,
): Promise<RoleHolders[]> {
  const address = await contract.getAddress();
  const granted = contract.interface.getEvent("RoleGranted")!;
  const revoked = contract.interface.getEvent("RoleRevoked")!;
  const logs = await getLogsPaged(provider, [address], [[granted.topicHash, revoked.topicHash]], {
    fromBlock,
    toBlock: await provider.getBlockNumber(),
    pageSize: 10_000,
  });
  const holders = new Map<string, Set<string>>();
  for (const log of logs) {
    const event = contract.interface.parseLog(log)!;
    const role = (event.args.role as string).toLowerCase();
    const set = holders.get(role) ?? new Set<string>();
    holders.set(role, set);
    if (event.name === "RoleGranted") set.add(event.args.account as string);
    else set.delete(event.args.account as string);
  }
  const names = await roleNames(contract);
  return [...names].map(([hash, role]) => ({
    contract: label,
    address,
    role,
    holders: [...(holders.get(hash) ?? [])],
  }));
}

/**
 * One line per account that holds privileges of more than one kind: admin, grid operator, regulator, or
 * receiver of shortfall payments and penalties (`receiver`). The same kind on several contracts is one
 * privilege (the grid operator holds GRID_OPERATOR_ROLE on the registry and the market by design).
 */
export function privilegeWarnings(roles: RoleHolders[], receiver: string): string[] {
  const kinds = new Map<string, Set<string>>();
  const add = (account: string, kind: string) => {
    const set = kinds.get(account) ?? new Set<string>();
    kinds.set(account, set);
    set.add(kind);
  };
  for (const { role, holders } of roles) {
    const kind = role === "MINTER_ROLE" ? "GRID_OPERATOR_ROLE" : role;
    for (const holder of holders) add(holder, kind);
  }
  add(receiver, "receiver of shortfall payments and penalties");
  return [...kinds]
    .filter(([, set]) => set.size > 1)
    .map(
      ([account, set]) =>
        `warning: ${account} holds ${[...set].join(", ")}; least privilege wants a separate account for each (ignition/parameters/testnet.json)`,
    );
}
