import { expect } from "chai";
import type { BaseContract } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

/** A named account and the roles (bytes32 ids) it holds in the contract under test. */
export interface Actor {
  name: string;
  signer: HardhatEthersSigner;
  roles: readonly string[];
}

/** A privileged function: the role it requires and how to call it with valid arguments. */
export interface GuardedFunction<Context> {
  /** Shown in the test title, e.g. "registerMeter". */
  name: string;
  /** bytes32 role id. */
  role: string;
  /** Shown in the test title, e.g. "GRID_OPERATOR_ROLE". */
  roleName: string;
  /** Sends the call from `caller`; arguments must be valid so that only the role decides. */
  send: (context: Context, caller: HardhatEthersSigner) => Promise<unknown>;
}

export interface RoleGuardSpec<Context> {
  ethers: HardhatEthers;
  /** A `loadFixture`-wrapped fixture: each test starts from the same state. */
  load: () => Promise<Context>;
  contract: (context: Context) => BaseContract;
  /** Every account the test knows, privileged or not; must include at least one stranger. */
  actors: (context: Context) => Actor[];
  functions: readonly GuardedFunction<Context>[];
}

/**
 * Shared behaviour: every privileged function reverts with
 * `AccessControlUnauthorizedAccount(account, role)` for every actor that lacks its role, and goes through
 * for an actor that holds it (so the guard is the role, not some other check).
 */
export function shouldGuardWithRoles<Context>(spec: RoleGuardSpec<Context>): void {
  for (const fn of spec.functions) {
    describe(`${fn.name} (${fn.roleName} only)`, function () {
      it(`reverts with AccessControlUnauthorizedAccount for every account without ${fn.roleName}`, async function () {
        const context = await spec.load();
        const outsiders = spec.actors(context).filter((actor) => !actor.roles.includes(fn.role));
        expect(outsiders, "actors without the role").to.not.be.empty;
        for (const outsider of outsiders) {
          await expect(fn.send(context, outsider.signer), `${fn.name} from ${outsider.name}`)
            .to.be.revertedWithCustomError(
              spec.contract(context),
              "AccessControlUnauthorizedAccount",
            )
            .withArgs(outsider.signer.address, fn.role);
        }
      });

      it(`succeeds for every holder of ${fn.roleName}`, async function () {
        const holders = spec
          .actors(await spec.load())
          .filter((actor) => actor.roles.includes(fn.role));
        expect(holders, "actors with the role").to.not.be.empty;
        for (const holder of holders) {
          // Each holder starts from the fixture so that one holder's call cannot break the next one's.
          const context = await spec.load();
          await expect(
            fn.send(context, holder.signer),
            `${fn.name} from ${holder.name}`,
          ).to.not.revert(spec.ethers);
        }
      });
    });
  }
}
