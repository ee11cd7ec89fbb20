/**
 * Deploys the GridLedger suite and wires its roles:
 *   GridStablecoin (testbed token, the grid operator may mint)  -- skipped by GridLedgerExternalToken
 *   MeterRegistry(admin, genesis, slotLength, readingWindow, changeDelaySlots)
 *   EnergyMarket({ token, registry, admin, gridOperator, gridOperatorAccount, horizon, gate closure, cap, params })
 *   OrderRouter (created by the market's constructor; found with market.orderRouter())
 *   EnergyCertificates(registry, admin, uri)
 *   market.setSettlementHook(certificates); certificates.bindMarket(market)
 *   registry: GRID_OPERATOR_ROLE -> gridOperator, REGULATOR_ROLE -> regulator
 *
 * Parameters (ignition/parameters/*.json, module "GridLedger"): genesis, slotLength, readingWindow,
 * changeDelaySlots (must exceed horizonSlots: the market's constructor checks it), horizonSlots,
 * gateClosureSeconds, maxOrdersPerSlot, minOrderWh, sellerCollateralPerWh, penaltyPerWh, minBuyPricePerWh,
 * certificatesUri, and one account per role (least privilege, docs/threat-model.md):
 *   admin                DEFAULT_ADMIN_ROLE on every contract (grants roles, binds the hook once)
 *   gridOperator         GRID_OPERATOR_ROLE on registry and market, MINTER_ROLE on the testbed token
 *   gridOperatorAccount  receives shortfall payments and penalties (holds no role)
 *   regulator            REGULATOR_ROLE on the registry
 * Each defaults to the deployer, so a network with a single key works as it is; `npx hardhat roles`
 * then warns that one account holds several roles. The data hub needs no account here: submitting
 * readings is permissionless (the meter's signature is the authority). The deployer wires the suite
 * and keeps DEFAULT_ADMIN_ROLE; GridLedgerTestnet.ts also makes it renounce every role it holds.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/** Everything but the token; shared by both modules. */
export function buildSuite(m: IgnitionModuleBuilder, token: ContractFuture<string>) {
  // The deployer keeps DEFAULT_ADMIN_ROLE: it grants the roles below and can hand them on later.
  const deployer = m.getAccount(0);
  const gridOperator = m.getParameter("gridOperator", m.getAccount(0));
  const regulator = m.getParameter("regulator", m.getAccount(0));

  const registry = m.contract("MeterRegistry", [
    deployer,
    m.getParameter("genesis", 0),
    m.getParameter("slotLength", 900),
    m.getParameter("readingWindow", 900),
    m.getParameter("changeDelaySlots", 97),
  ]);

  const market = m.contract("EnergyMarket", [
    {
      token,
      registry,
      admin: deployer,
      gridOperator,
      gridOperatorAccount: m.getParameter("gridOperatorAccount", m.getAccount(0)),
      horizonSlots: m.getParameter("horizonSlots", 96),
      gateClosureSeconds: m.getParameter("gateClosureSeconds", 300),
      maxOrdersPerSlot: m.getParameter("maxOrdersPerSlot", 1_000),
      params: {
        minOrderWh: m.getParameter("minOrderWh", 10),
        sellerCollateralPerWh: m.getParameter("sellerCollateralPerWh", 100),
        penaltyPerWh: m.getParameter("penaltyPerWh", 50),
        minBuyPricePerWh: m.getParameter("minBuyPricePerWh", 10),
      },
    },
  ]);

  // The market creates its router: nobody can change whom it trusts with placeOrderFor.
  const orderRouter = m.contractAt(
    "OrderRouter",
    m.staticCall(market, "orderRouter", [], 0, { id: "orderRouterAddress" }),
    { id: "OrderRouter" },
  );

  const certificates = m.contract("EnergyCertificates", [
    registry,
    deployer,
    m.getParameter("certificatesUri", "https://gridledger.example/certificates/{id}.json"),
  ]);

  const hookSet = m.call(market, "setSettlementHook", [certificates]);
  m.call(certificates, "bindMarket", [market], { after: [hookSet] });

  const operatorRole = m.staticCall(registry, "GRID_OPERATOR_ROLE", [], 0, {
    id: "registryOperatorRole",
  });
  const regulatorRole = m.staticCall(registry, "REGULATOR_ROLE", [], 0, {
    id: "registryRegulatorRole",
  });
  const grantOperator = m.call(registry, "grantRole", [operatorRole, gridOperator], {
    id: "grantRegistryOperator",
  });
  const grantRegulator = m.call(registry, "grantRole", [regulatorRole, regulator], {
    id: "grantRegistryRegulator",
  });

  // The admin of record (the deployer by default, when the grant changes nothing).
  const admin = m.getParameter("admin", deployer);
  const adminRole = m.staticCall(registry, "DEFAULT_ADMIN_ROLE", [], 0, { id: "adminRole" });
  const adminGrants = [
    m.call(registry, "grantRole", [adminRole, admin], { id: "grantRegistryAdmin" }),
    m.call(market, "grantRole", [adminRole, admin], { id: "grantMarketAdmin" }),
    m.call(certificates, "grantRole", [adminRole, admin], { id: "grantCertificatesAdmin" }),
  ];

  return {
    registry,
    market,
    orderRouter,
    certificates,
    admin,
    adminRole,
    grants: [grantOperator, grantRegulator, ...adminGrants],
  };
}

export default buildModule("GridLedger", (m) => {
  const gridOperator = m.getParameter("gridOperator", m.getAccount(0));
  const stablecoin = m.contract("GridStablecoin", [m.getAccount(0)]);
  const suite = buildSuite(m, stablecoin);
  const minterRole = m.staticCall(stablecoin, "MINTER_ROLE", [], 0, { id: "stablecoinMinterRole" });
  m.call(stablecoin, "grantRole", [minterRole, gridOperator], { id: "grantStablecoinMinter" });
  m.call(stablecoin, "grantRole", [suite.adminRole, suite.admin], { id: "grantStablecoinAdmin" });
  return {
    stablecoin,
    registry: suite.registry,
    market: suite.market,
    orderRouter: suite.orderRouter,
    certificates: suite.certificates,
  };
});
