/**
 * Adversarial: every privileged function of the market, the certificates and the stablecoin called by
 * every account that lacks its role (prosumer, data hub, regulator, grid operator, the grid operator's
 * payment account, a stranger, and the admin where it lacks the role), on the wired system. The registry's
 * functions are covered the same way in test/MeterRegistry.ts ("access control").
 * Attack: any account tries to change the rules, mint money or certificates, or re-point the wiring.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import type { EnergyCertificates } from "../../typechain-types/index.js";
import { DEFAULT_PARAMS, deployMarket } from "../../fixtures/market.js";
import { DEFAULT_ADMIN_ROLE, GRID_OPERATOR_ROLE } from "../helpers/registry.js";
import { shouldGuardWithRoles, type Actor } from "../helpers/roles.js";
import { CERTIFICATE_URI, gridSystem, type GridSystem } from "../integration/system.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const MINTER_ROLE = ethers.id("MINTER_ROLE");

/** Market and certificates deployed but not wired: the admin may still set the hook. */
async function unwired(c: NetworkConnection) {
  const f = await deployMarket(c);
  const certificates = (await c.ethers.deployContract("EnergyCertificates", [
    await f.registry.getAddress(),
    f.admin.address,
    CERTIFICATE_URI,
  ])) as unknown as EnergyCertificates;
  return { ...f, certificates };
}

/** The hook is set but the certificates are not bound yet: the admin may still bind. */
async function halfWired(c: NetworkConnection) {
  const f = await unwired(c);
  await (await f.market.setSettlementHook(await f.certificates.getAddress())).wait();
  return f;
}

type Unwired = Awaited<ReturnType<typeof unwired>>;

function actorsOf(
  s: Pick<Unwired, "admin" | "operator" | "gridAccount" | "alice" | "carol">,
  adminRoles: readonly string[],
  operatorRoles: readonly string[],
): Actor[] {
  return [
    { name: "admin", signer: s.admin, roles: adminRoles },
    { name: "grid operator", signer: s.operator, roles: operatorRoles },
    { name: "grid operator's account", signer: s.gridAccount, roles: [] },
    { name: "prosumer (meter owner)", signer: s.alice, roles: [] },
    { name: "consumer", signer: s.carol, roles: [] },
  ];
}

/** The system's actors, with `roles` as the contract under test grants them. */
function systemActors(
  s: GridSystem,
  adminRoles: readonly string[],
  operatorRoles: readonly string[],
): Actor[] {
  return [
    ...actorsOf(s, adminRoles, operatorRoles),
    // Holds REGULATOR_ROLE in the registry: no role here.
    { name: "regulator", signer: s.regulator, roles: [] },
    { name: "data hub", signer: s.hub, roles: [] },
    { name: "stranger", signer: s.stranger, roles: [] },
  ];
}

const loadSystem = () => networkHelpers.loadFixture(gridSystem);

describe("Adversarial: privileged functions called without the role", function () {
  describe("EnergyMarket", function () {
    shouldGuardWithRoles<GridSystem>({
      ethers,
      load: loadSystem,
      contract: (s) => s.market,
      actors: (s) => systemActors(s, [DEFAULT_ADMIN_ROLE], [GRID_OPERATOR_ROLE]),
      functions: [
        {
          name: "setParams",
          role: GRID_OPERATOR_ROLE,
          roleName: "GRID_OPERATOR_ROLE",
          send: (s, caller) => s.market.connect(caller).setParams(DEFAULT_PARAMS),
        },
        {
          name: "setGridOperatorAccount",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (s, caller) => s.market.connect(caller).setGridOperatorAccount(s.stranger.address),
        },
        {
          name: "grantRole",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (s, caller) =>
            s.market.connect(caller).grantRole(GRID_OPERATOR_ROLE, caller.address),
        },
        {
          name: "revokeRole",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (s, caller) =>
            s.market.connect(caller).revokeRole(GRID_OPERATOR_ROLE, s.operator.address),
        },
      ],
    });

    shouldGuardWithRoles<Unwired>({
      ethers,
      load: () => networkHelpers.loadFixture(unwired),
      contract: (s) => s.market,
      actors: (s) => actorsOf(s, [DEFAULT_ADMIN_ROLE], [GRID_OPERATOR_ROLE]),
      functions: [
        {
          name: "setSettlementHook",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: async (s, caller) =>
            s.market.connect(caller).setSettlementHook(await s.certificates.getAddress()),
        },
      ],
    });
  });

  describe("EnergyCertificates", function () {
    shouldGuardWithRoles<GridSystem>({
      ethers,
      load: loadSystem,
      contract: (s) => s.certificates,
      actors: (s) => systemActors(s, [DEFAULT_ADMIN_ROLE], []),
      functions: [
        {
          name: "setURI",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (s, caller) => s.certificates.connect(caller).setURI("ipfs://rogue/{id}"),
        },
        {
          name: "grantRole",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (s, caller) =>
            s.certificates.connect(caller).grantRole(DEFAULT_ADMIN_ROLE, caller.address),
        },
        {
          name: "revokeRole",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (s, caller) =>
            s.certificates.connect(caller).revokeRole(DEFAULT_ADMIN_ROLE, s.admin.address),
        },
      ],
    });

    shouldGuardWithRoles<Unwired>({
      ethers,
      load: () => networkHelpers.loadFixture(halfWired),
      contract: (s) => s.certificates,
      actors: (s) => actorsOf(s, [DEFAULT_ADMIN_ROLE], []),
      functions: [
        {
          name: "bindMarket",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: async (s, caller) =>
            s.certificates.connect(caller).bindMarket(await s.market.getAddress()),
        },
      ],
    });

    // Certification has no role and no privileged caller: every account may send a page, and what a page
    // issues follows from the market's settled data alone (an unsettled slot is refused for everyone).
    it("lets every account page certification, and refuses an unsettled slot to all alike", async function () {
      const s = await loadSystem();
      for (const actor of systemActors(s, [], [])) {
        for (const page of [
          s.certificates.connect(actor.signer).certifySellers(1n, 10n),
          s.certificates.connect(actor.signer).claimBuyers(1n, 10n),
        ]) {
          await expect(page, actor.name)
            .to.be.revertedWithCustomError(s.certificates, "CertificatesSlotNotSettled")
            .withArgs(1n);
        }
      }
    });
  });

  describe("GridStablecoin", function () {
    shouldGuardWithRoles<GridSystem>({
      ethers,
      load: loadSystem,
      contract: (s) => s.token,
      actors: (s) => systemActors(s, [DEFAULT_ADMIN_ROLE, MINTER_ROLE], []),
      functions: [
        {
          name: "mint",
          role: MINTER_ROLE,
          roleName: "MINTER_ROLE",
          send: (s, caller) => s.token.connect(caller).mint(caller.address, 1n),
        },
        {
          name: "grantRole",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (s, caller) => s.token.connect(caller).grantRole(MINTER_ROLE, caller.address),
        },
      ],
    });
  });
});
