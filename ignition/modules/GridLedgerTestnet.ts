/**
 * The GridLedger suite for a shared network (testnet): the GridLedger module, then the deployer gives up
 * every role it held for the wiring (DEFAULT_ADMIN_ROLE on every contract, MINTER_ROLE on the testbed
 * token), so that each role is held only by the account its parameter names.
 *
 * Parameters: module "GridLedger" (see GridLedger.ts); ignition/parameters/testnet.json names a separate
 * account for admin, gridOperator, gridOperatorAccount and regulator. None of them may be the deployer's
 * key: the deployer renounces its roles here, so a parameter naming the deployer would leave that role
 * without a holder.
 *
 *   npx hardhat ignition deploy ignition/modules/GridLedgerTestnet.ts --network sepolia \
 *     --parameters ignition/parameters/testnet.json
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GridLedgerModule from "./GridLedger.js";

export default buildModule("GridLedgerTestnet", (m) => {
  const suite = m.useModule(GridLedgerModule);
  const deployer = m.getAccount(0);
  const contracts = {
    Stablecoin: suite.stablecoin,
    Registry: suite.registry,
    Market: suite.market,
    Certificates: suite.certificates,
  };
  // Futures that use the submodule's contracts run after the whole submodule, grants included.
  for (const [name, contract] of Object.entries(contracts)) {
    const role = m.staticCall(contract, "DEFAULT_ADMIN_ROLE", [], 0, { id: `adminRoleOf${name}` });
    m.call(contract, "renounceRole", [role, deployer], { id: `renounce${name}Admin` });
  }
  const minterRole = m.staticCall(suite.stablecoin, "MINTER_ROLE", [], 0, { id: "minterRole" });
  m.call(suite.stablecoin, "renounceRole", [minterRole, deployer], {
    id: "renounceStablecoinMinter",
  });
  return suite;
});
