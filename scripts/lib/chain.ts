/**
 * The chain a command or the simulation runs against: the embedded in-process network, a local node
 * (hardhat node, anvil) or a public testnet, behind one small interface.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";

/** Chain ids of development nodes (Hardhat, Anvil, Ganache), whose time can be fast-forwarded. */
const DEV_CHAIN_IDS = new Set([31337, 1337]);

/** A connection with the toolbox's `ethers` and `ignition` helpers (see the plugins' type extensions). */
export type Connection = NetworkConnection;

export interface Chain {
  connection: Connection;
  ethers: Connection["ethers"];
  networkName: string;
  chainId: number;
  /** The in-process network of this Hardhat process (state lives as long as the process). */
  embedded: boolean;
  /** A development node: accounts unlocked, time can be set with evm_setNextBlockTimestamp. */
  devNode: boolean;
  /** Raw JSON-RPC. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Timestamp of the latest block. */
  latestTimestamp(): Promise<number>;
}

export async function chainFrom(connection: Connection): Promise<Chain> {
  const rpc = <T>(method: string, params: unknown[] = []) =>
    connection.provider.request({ method, params }) as Promise<T>;
  const chainId = Number(await rpc<string>("eth_chainId"));
  const embedded = connection.networkConfig.type === "edr-simulated";
  return {
    connection,
    ethers: connection.ethers,
    networkName: connection.networkName,
    chainId,
    embedded,
    devNode: embedded || DEV_CHAIN_IDS.has(chainId),
    rpc,
    async latestTimestamp() {
      const block = await rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
      return Number(block.timestamp);
    },
  };
}

/** Connects to the network chosen with `--network` (or the default, embedded one). */
export async function connect(
  hre: HardhatRuntimeEnvironment,
  override?: { network?: string; url?: string },
): Promise<Chain> {
  const params = override?.url
    ? { network: override.network ?? "localhost", override: { url: override.url } }
    : override?.network
      ? { network: override.network }
      : undefined;
  const connection = await hre.network.create(params);
  return chainFrom(connection);
}
