/**
 * Deterministic keys of the simulated community: each household's trading account and each smart
 * meter's device key come from the scenario seed (plus SIM_KEY_SALT from the environment, which a
 * testnet run should set so that nobody else can derive its keys).
 */
import { keccak256, toUtf8Bytes, Wallet } from "ethers";

function derive(kind: string, seed: string, index: number): Wallet {
  const salt = process.env.SIM_KEY_SALT ?? "";
  return new Wallet(keccak256(toUtf8Bytes(`gridledger/${kind}/${salt}/${seed}/${index}`)));
}

export const accountKey = (seed: string, household: number) => derive("account", seed, household);
export const meterKey = (seed: string, household: number) => derive("meter", seed, household);
/** The key a forger signs with: not the meter's, so the registry must refuse what it signs. */
export const forgerKey = (seed: string, household: number) => derive("forger", seed, household);
