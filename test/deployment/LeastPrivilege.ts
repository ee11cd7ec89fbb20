/**
 * Least privilege in the default deployment (issue 10, item 3): the Ignition module gives each role to the
 * account its parameter names, GridLedgerTestnet makes the deployer renounce what it held for the wiring,
 * and `hardhat roles` lists the holders and warns when one account holds several kinds of privilege.
 */
import { readFile } from "node:fs/promises";
import { expect } from "chai";
import hre from "hardhat";
import GridLedgerModule from "../../ignition/modules/GridLedger.js";
import GridLedgerTestnetModule from "../../ignition/modules/GridLedgerTestnet.js";
import { privilegeWarnings, roleHoldersOf, type RoleHolders } from "../../scripts/lib/roles.js";
import { runTask } from "../tasks/harness.js";

const embedded = JSON.parse(await readFile("ignition/parameters/embedded.json", "utf8")) as {
  GridLedger: Record<string, number>;
};

describe("Least privilege (Ignition module and `hardhat roles`)", function () {
  it("gives every role to its own account and leaves the deployer with none (GridLedgerTestnet)", async function () {
    const connection = await hre.network.create();
    const [deployer, admin, operator, receiver, regulator, stranger] =
      await connection.ethers.getSigners();
    const parameters = {
      ...embedded.GridLedger,
      admin: admin!.address,
      gridOperator: operator!.address,
      gridOperatorAccount: receiver!.address,
      regulator: regulator!.address,
    };
    const suite = await connection.ignition.deploy(GridLedgerTestnetModule, {
      parameters: { GridLedger: parameters },
      displayUi: false,
    });
    const provider = connection.ethers.provider;
    const held: RoleHolders[] = [];
    for (const [label, contract] of Object.entries({
      token: suite.stablecoin,
      registry: suite.registry,
      market: suite.market,
      certificates: suite.certificates,
    }))
      held.push(...(await roleHoldersOf(provider, label, contract as never)));
    const holders = (label: string, role: string) =>
      held.find((h) => h.contract === label && h.role === role)!.holders;

    for (const label of ["token", "registry", "market", "certificates"])
      expect(holders(label, "DEFAULT_ADMIN_ROLE"), label).to.deep.equal([admin!.address]);
    expect(holders("registry", "GRID_OPERATOR_ROLE")).to.deep.equal([operator!.address]);
    expect(holders("market", "GRID_OPERATOR_ROLE")).to.deep.equal([operator!.address]);
    expect(holders("token", "MINTER_ROLE")).to.deep.equal([operator!.address]);
    expect(holders("registry", "REGULATOR_ROLE")).to.deep.equal([regulator!.address]);
    expect(held.flatMap((h) => h.holders)).to.not.include(deployer!.address);
    expect(await suite.market.getFunction("gridOperatorAccount")()).to.equal(receiver!.address);
    expect(privilegeWarnings(held, receiver!.address)).to.deep.equal([]);

    // The deployer can no longer act as admin; the admin can.
    await expect(
      suite.market.connect(deployer!).getFunction("setGridOperatorAccount")(stranger!.address),
    ).to.be.revertedWithCustomError(suite.market, "AccessControlUnauthorizedAccount");
    await suite.market.connect(admin!).getFunction("setGridOperatorAccount")(stranger!.address);
    // The change applies from the first slot beyond every open one; the current slot keeps the receiver.
    expect(await suite.market.getFunction("gridOperatorAccount")()).to.equal(receiver!.address);
    const activation = (await suite.market.getFunction("lastOpenSlot")()) + 1n;
    expect(await suite.market.getFunction("gridOperatorAccountOf")(activation)).to.equal(
      stranger!.address,
    );
  });

  it("warns, per account, when the default deployment gives one account several kinds of privilege", async function () {
    const connection = await hre.network.create();
    const [deployer] = await connection.ethers.getSigners();
    const suite = await connection.ignition.deploy(GridLedgerModule, {
      parameters: { GridLedger: embedded.GridLedger },
      displayUi: false,
    });
    const provider = connection.ethers.provider;
    const held: RoleHolders[] = [];
    for (const contract of [suite.registry, suite.market, suite.certificates, suite.stablecoin])
      held.push(...(await roleHoldersOf(provider, "c", contract as never)));
    const warnings = privilegeWarnings(held, deployer!.address);
    expect(warnings).to.have.lengthOf(1);
    expect(warnings[0]).to.include(deployer!.address);
    for (const kind of ["DEFAULT_ADMIN_ROLE", "GRID_OPERATOR_ROLE", "REGULATOR_ROLE", "penalties"])
      expect(warnings[0]).to.include(kind);
  });

  it("`hardhat roles` lists the holders of every role and prints the warning", async function () {
    const outcome = await runTask(hre, "roles");
    expect(outcome.exitCode, outcome.stderr).to.equal(0);
    for (const line of [
      /registry 0x[0-9a-fA-F]{40} GRID_OPERATOR_ROLE: 0x/,
      /registry 0x[0-9a-fA-F]{40} REGULATOR_ROLE: 0x/,
      /market 0x[0-9a-fA-F]{40} DEFAULT_ADMIN_ROLE: 0x/,
      /certificates 0x[0-9a-fA-F]{40} DEFAULT_ADMIN_ROLE: 0x/,
      /token 0x[0-9a-fA-F]{40} MINTER_ROLE: 0x/,
      /shortfall payments and penalties go to 0x/,
      /warning: 0x[0-9a-fA-F]{40} holds /,
    ])
      expect(outcome.stdout).to.match(line);
  });

  it("the testnet parameter file names a separate account for every role", async function () {
    const file = JSON.parse(await readFile("ignition/parameters/testnet.json", "utf8")) as {
      GridLedger: Record<string, unknown>;
    };
    const roles = ["admin", "gridOperator", "gridOperatorAccount", "regulator"];
    const values = roles.map((role) => file.GridLedger[role]);
    for (const [i, value] of values.entries()) expect(value, roles[i]).to.be.a("string");
    expect(new Set(values).size).to.equal(roles.length);
  });
});
