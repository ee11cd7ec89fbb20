/**
 * The GridLedger suite on an existing ERC-20 stablecoin (parameter `token`, module "GridLedgerExternalToken"):
 * the same wiring as GridLedger without deploying the testbed token. Accounts are then funded with that
 * token by whoever holds it.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildSuite } from "./GridLedger.js";

export default buildModule("GridLedgerExternalToken", (m) => {
  const token = m.contractAt("IERC20", m.getParameter<string>("token"), { id: "token" });
  const suite = buildSuite(m, token);
  return {
    token,
    registry: suite.registry,
    market: suite.market,
    orderRouter: suite.orderRouter,
    certificates: suite.certificates,
  };
});
