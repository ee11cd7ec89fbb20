/**
 * GridLedger's Hardhat tasks: the simulation and the role commands. Registered in hardhat.config.ts
 * (`tasks: gridLedgerTasks`). The commands work on a local node (`--network localhost`) or a testnet;
 * addresses come from Ignition's deployment record. On the embedded network, whose state ends with the
 * process, the read-only ones work and those that send transactions are refused unless `--ephemeral`.
 */
import { ArgumentType } from "hardhat/types/arguments";
import { emptyTask, task } from "hardhat/config";

const deploymentId = {
  name: "deploymentId" as const,
  description: "Ignition deployment id (default chain-<chainId>)",
  defaultValue: "",
};
const account = {
  name: "account" as const,
  description:
    "account index or address among the network's accounts (default: 0, or the role's holder)",
  defaultValue: "",
};

const meterOption = {
  name: "meter" as const,
  description: "the meter's device address",
  defaultValue: "",
};

const fromBlock = {
  name: "fromBlock" as const,
  description:
    "first block to search for the reading's log (default 0; the registry's deployment block is faster)",
  defaultValue: "",
};

const ephemeral = {
  name: "ephemeral" as const,
  description: "run on Hardhat's in-process chain anyway (its state is lost when the command ends)",
};

/** A read-only role command: every one takes `--account` and `--deployment-id`. */
const view = (id: string | string[], description: string) =>
  task(id, description).addOption(account).addOption(deploymentId);

/** A role command that sends transactions: refused on the in-process chain unless `--ephemeral`. */
const command = (id: string | string[], description: string) =>
  view(id, description).addFlag(ephemeral);

export const gridLedgerTasks = [
  task("simulate", "Run the digital-twin energy community for a day on chain and write a report")
    .addOption({ name: "scenario", description: "scenario file (JSON or YAML)", defaultValue: "" })
    .addOption({
      name: "households",
      description:
        "number of households (overrides the scenario; faults of households beyond it are dropped)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "days",
      description: "days to simulate (overrides the scenario)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "slots",
      description: "number of slots to simulate (overrides the scenario; at most the days hold)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "start",
      description:
        "local time of day of the first slot, HH:MM on a slot boundary (overrides the scenario's startSlotOfDay)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "seed",
      description: "seed of the twin (overrides the scenario)",
      defaultValue: "",
    })
    .addOption({
      name: "out",
      description: "report folder (default reports/<run name>)",
      defaultValue: "",
    })
    .addOption({
      name: "strategy",
      description:
        "the community's bidding strategy: linear, reservation, idle (overrides the scenario)",
      defaultValue: "",
    })
    .addOption({
      name: "orders",
      description:
        "order flow: relayed (households sign, the aggregator submits batches) or direct (overrides the scenario)",
      defaultValue: "",
    })
    .addOption({
      name: "name",
      description: "the run's name in the report (default <scenario>-<strategies>-<UTC time>)",
      defaultValue: "",
    })
    .addOption(deploymentId)
    .addFlag({ name: "fresh", description: "deploy a new suite even if the chain has one" })
    .addFlag({ name: "quiet", description: "no progress output" })
    .setAction(() => import("./actions/simulate.js"))
    .build(),

  emptyTask(
    "market",
    "Prosumer commands: deposit, withdraw, orders, signed orders, balances; anyone: relay, clear and settle",
  ).build(),
  command(
    ["market", "deposit"],
    "Deposit stablecoin into your market balance (approves first if needed)",
  )
    .addOption({ name: "amount", description: "amount in currency, e.g. 25.5", defaultValue: "" })
    .setAction(() => import("./actions/deposit.js"))
    .build(),
  command(["market", "withdraw"], "Withdraw from your free market balance")
    .addOption({ name: "amount", description: "amount in currency", defaultValue: "" })
    .setAction(() => import("./actions/withdraw.js"))
    .build(),
  command(["market", "order"], "Place a buy or sell order for a slot, in kWh and currency per kWh")
    .addOption({ name: "side", description: "buy or sell", defaultValue: "" })
    .addOption({
      name: "kwh",
      description: "quantity in kWh (3 decimals at most)",
      defaultValue: "",
    })
    .addOption({
      name: "price",
      description: "limit price in currency per kWh (3 decimals at most)",
      defaultValue: "",
    })
    .addOption({
      name: "slot",
      description: "slot number, 'next' (first still open) or '+N' (N slots after the current)",
      defaultValue: "next",
    })
    .addOption({
      name: "meter",
      description: "your generation meter (sell orders only)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/order.js"))
    .build(),
  view(
    ["market", "sign-order"],
    "Sign an order for a relayer (EIP-712) and add it to a JSON file: no transaction, no ETH needed",
  )
    .addOption({ name: "side", description: "buy or sell", defaultValue: "" })
    .addOption({
      name: "kwh",
      description: "quantity in kWh (3 decimals at most)",
      defaultValue: "",
    })
    .addOption({
      name: "price",
      description: "limit price in currency per kWh (3 decimals at most)",
      defaultValue: "",
    })
    .addOption({
      name: "slot",
      description: "slot number, 'next' (first still open) or '+N' (N slots after the current)",
      defaultValue: "next",
    })
    .addOption({
      name: "meter",
      description: "your generation meter (sell orders only)",
      defaultValue: "",
    })
    .addOption({
      name: "nonce",
      description:
        "the order's nonce (default: your next nonce in the market, after your orders already in --out)",
      defaultValue: "",
    })
    .addOption({
      name: "expiresInMinutes",
      description: "valid for M minutes from now (default: until the slot's gate closure)",
      defaultValue: "",
    })
    .addOption({
      name: "out",
      description: "the JSON file of signed orders to add it to (created if missing)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/signOrder.js"))
    .build(),
  command(
    ["market", "relay"],
    "Submit signed orders (files of market sign-order) in one batch, paying its gas (relayer: anyone)",
  )
    .addVariadicArgument({
      name: "files",
      description: "JSON files of signed orders",
      defaultValue: [],
    })
    .setAction(() => import("./actions/relay.js"))
    .build(),
  command(
    ["market", "invalidate-nonces"],
    "Void your signed orders not yet placed: move your next signed-order nonce forward",
  )
    .addOption({
      name: "nonce",
      description: "your new next nonce (signed orders with lower nonces can no longer be placed)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/invalidateNonces.js"))
    .build(),
  command(["market", "cancel"], "Cancel one of your orders before its gate closes")
    .addOption({ name: "order", description: "order id", defaultValue: "" })
    .setAction(() => import("./actions/cancel.js"))
    .build(),
  view(
    ["market", "show"],
    "Show the balances and recent orders of an account (yours, or any address)",
  )
    .addOption({
      name: "slots",
      description: "how many recent slots to search for orders",
      type: ArgumentType.INT,
      defaultValue: 96,
    })
    .setAction(() => import("./actions/show.js"))
    .build(),
  command(["market", "clear"], "Clear a slot after its gate closure (anyone)")
    .addOption({
      name: "slot",
      description:
        "slot number, '-N' or 'current-N' (N slots before the current; from 10 on only current-N: Hardhat reads -10 as options)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/clear.js"))
    .build(),
  command(["market", "settle"], "Settle a cleared slot after its reading window (anyone)")
    .addOption({
      name: "slot",
      description:
        "slot number, '-N' or 'current-N' (N slots before the current; from 10 on only current-N: Hardhat reads -10 as options)",
      defaultValue: "",
    })
    .addFlag({
      name: "certify",
      description: "then deliver the slot's certificates (certificates certify)",
    })
    .setAction(() => import("./actions/settle.js"))
    .build(),

  emptyTask(
    "certificates",
    "Renewable-energy certificates: deliver a settled slot's, issue an idle meter's (anyone); see and retire yours (holders)",
  ).build(),
  view(
    ["certificates", "balance"],
    "Show an account's certificates per vintage and its retirements",
  )
    .addOption({
      name: "fromBlock",
      description: "first block of transfers to read (default 0)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/balance.js"))
    .build(),
  command(
    ["certificates", "retire"],
    "Retire (burn) your certificates of a vintage for a beneficiary and a purpose (holders)",
  )
    .addOption({
      name: "slot",
      description: "the vintage's slot: a number, '-N' or 'current-N' (with --source)",
      defaultValue: "",
    })
    .addOption({
      name: "source",
      description: "the vintage's source: solar, wind, hydro or biomass (with --slot)",
      defaultValue: "",
    })
    .addOption({
      name: "id",
      description: "the certificate id, instead of --slot and --source",
      defaultValue: "",
    })
    .addOption({ name: "kwh", description: "amount in kWh (3 decimals at most)", defaultValue: "" })
    .addOption({
      name: "beneficiary",
      description: "the address the claim is made for",
      defaultValue: "",
    })
    .addOption({
      name: "purpose",
      description: "what the energy is claimed for (UTF-8 text, recorded in the event)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/retire.js"))
    .build(),
  command(
    ["certificates", "issue"],
    "Issue the certificates of a meter that sold nothing in a final slot to its owner (anyone)",
  )
    .addOption(meterOption)
    .addOption({
      name: "slot",
      description:
        "slot number, '-N' or 'current-N' (N slots before the current; from 10 on only current-N: Hardhat reads -10 as options)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/issue.js"))
    .build(),
  command(
    ["certificates", "certify"],
    "Certify a settled slot's sellers, then credit its buyers, in pages (anyone)",
  )
    .addOption({
      name: "slot",
      description:
        "slot number, '-N' or 'current-N' (N slots before the current; from 10 on only current-N: Hardhat reads -10 as options)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/certify.js"))
    .build(),

  emptyTask("meter", "Grid operator and meter commands").build(),
  command(
    ["meter", "suspend"],
    "Suspend a meter at once: no sell orders, its slots' certificates withheld (regulator)",
  )
    .addOption(meterOption)
    .setAction(() => import("./actions/suspend.js"))
    .build(),
  command(["meter", "reinstate"], "Reinstate a suspended meter (regulator)")
    .addOption(meterOption)
    .setAction(() => import("./actions/reinstate.js"))
    .build(),
  command(
    ["meter", "update"],
    "Schedule a meter's new owner or rated capacity (from changeDelaySlots on) and set its zone (grid operator)",
  )
    .addOption(meterOption)
    .addOption({ name: "owner", description: "the new owner of record", defaultValue: "" })
    .addOption({ name: "capacityKw", description: "the new rated power in kW", defaultValue: "" })
    .addOption({
      name: "zone",
      description: "the new grid zone (at most 8 bytes)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/meterUpdate.js"))
    .build(),
  command(
    ["meter", "rotate-key"],
    "Schedule a meter's new signing key, from changeDelaySlots on (grid operator)",
  )
    .addOption(meterOption)
    .addOption({ name: "signer", description: "the new key's address", defaultValue: "" })
    .setAction(() => import("./actions/rotateKey.js"))
    .build(),
  command(
    ["meter", "revoke-key"],
    "Schedule the revocation of a meter's key, from changeDelaySlots on (grid operator)",
  )
    .addOption(meterOption)
    .setAction(() => import("./actions/revokeKey.js"))
    .build(),
  command(
    ["meter", "retire"],
    "Schedule a meter's retirement for good, from changeDelaySlots on (grid operator)",
  )
    .addOption(meterOption)
    .setAction(() => import("./actions/retireMeter.js"))
    .build(),
  command(["meter", "register"], "Register a smart meter (grid operator)")
    .addOption(meterOption)
    .addOption({
      name: "owner",
      description: "the prosumer account that trades with it",
      defaultValue: "",
    })
    .addOption({
      name: "kind",
      description: "consumption, generation or bidirectional",
      defaultValue: "bidirectional",
    })
    .addOption({
      name: "source",
      description: "none, solar, wind, hydro, biomass, storage or other",
      defaultValue: "solar",
    })
    .addOption({ name: "capacityKw", description: "rated power in kW", defaultValue: "10" })
    .addOption({
      name: "zone",
      description: "grid zone code, up to 8 characters",
      defaultValue: "ZONE-1",
    })
    .setAction(() => import("./actions/register.js"))
    .build(),
  command(
    ["meter", "reading"],
    "Sign a reading with the meter's key (env METER_PRIVATE_KEY) and submit it",
  )
    .addOption({
      name: "slot",
      description: "slot number or '-N' (N slots before the current); default: the last ended slot",
      defaultValue: "-1",
    })
    .addOption({
      name: "importedKwh",
      description: "energy drawn from the grid in the slot, kWh (required: a reading is final)",
      defaultValue: "",
    })
    .addOption({
      name: "exportedKwh",
      description: "energy fed into the grid in the slot, kWh (required: a reading is final)",
      defaultValue: "",
    })
    .addOption({
      name: "keyEnv",
      description: "environment variable holding the meter's private key",
      defaultValue: "METER_PRIVATE_KEY",
    })
    .setAction(() => import("./actions/reading.js"))
    .build(),
  view(
    ["meter", "verify-import"],
    "Check a revealed imported kWh and salt against the commitment the registry logged (anyone)",
  )
    .addOption(meterOption)
    .addOption({
      name: "slot",
      description: "slot number or '-N' (N slots before the current)",
      defaultValue: "",
    })
    .addOption({ name: "importedKwh", description: "the revealed imported kWh", defaultValue: "" })
    .addOption({
      name: "salt",
      description: "the revealed salt (0x + 64 hex digits)",
      defaultValue: "",
    })
    .addOption(fromBlock)
    .setAction(() => import("./actions/verifyImport.js"))
    .build(),
  view(
    ["meter", "reveal-import"],
    "Derive a reading's salt from the meter key (env METER_PRIVATE_KEY) and print its opening for one party",
  )
    .addOption({
      name: "meter",
      description: "the meter's address (default: the key's address)",
      defaultValue: "",
    })
    .addOption({
      name: "slot",
      description: "slot number or '-N' (N slots before the current)",
      defaultValue: "",
    })
    .addOption({
      name: "importedKwh",
      description: "the imported kWh the meter measured in the slot",
      defaultValue: "",
    })
    .addOption({ name: "for", description: "who the opening is for", defaultValue: "" })
    .addOption({
      name: "keyEnv",
      description: "environment variable holding the key that signed the reading",
      defaultValue: "METER_PRIVATE_KEY",
    })
    .addOption(fromBlock)
    .setAction(() => import("./actions/revealImport.js"))
    .build(),

  emptyTask(
    "token",
    "Testbed stablecoin: the grid operator mints, anyone draws from the faucet",
  ).build(),
  command(["token", "mint"], "Fund an account with testbed stablecoin (grid operator / minter)")
    .addOption({ name: "to", description: "the account to fund", defaultValue: "" })
    .addOption({ name: "amount", description: "amount in currency", defaultValue: "" })
    .addFlag({ name: "deposit", description: "put it straight into the account's market balance" })
    .setAction(() => import("./actions/mint.js"))
    .build(),
  command(["token", "faucet"], "Draw testbed stablecoin from the daily faucet (anyone, 1000 a day)")
    .addOption({ name: "amount", description: "amount in currency", defaultValue: "" })
    .setAction(() => import("./actions/faucet.js"))
    .build(),

  emptyTask("time", "Development nodes: move chain time through the slot cycle").build(),
  task(
    ["time", "advance"],
    "Move a development node's time to a slot's gate closure, start, end or reading-window end, or by N slots",
  )
    .addOption({
      name: "to",
      description: "gate, start, end or window (the end of the slot's reading window)",
      defaultValue: "",
    })
    .addOption({
      name: "slot",
      description:
        "slot number, 'next' (first still open), '+N', '-N' or 'current-N' (relative to the current)",
      defaultValue: "",
    })
    .addOption({
      name: "slots",
      description: "advance by N slot lengths instead",
      defaultValue: "",
    })
    .addOption(deploymentId)
    .addFlag(ephemeral)
    .setAction(() => import("./actions/time.js"))
    .build(),

  task(
    "audit",
    "The auditor's report: reconcile readings, settlements and certificates of this deployment",
  )
    .addOption({ name: "fromBlock", description: "first block (default 0)", defaultValue: "" })
    .addOption({ name: "toBlock", description: "last block (default the head)", defaultValue: "" })
    .addOption({
      name: "out",
      description: "folder for audit.json and CSV files",
      defaultValue: "",
    })
    .addOption(deploymentId)
    .setAction(() => import("./actions/audit.js"))
    .build(),

  task("compare", "Put several simulation report folders side by side in one HTML page and a CSV")
    .addVariadicArgument({ name: "dirs", description: "report folders (each with a report.json)" })
    .addOption({
      name: "out",
      description: "folder for compare.html and compare.csv (default reports/compare-<time>)",
      defaultValue: "",
    })
    .setAction(() => import("./actions/compare.js"))
    .build(),

  task(
    "roles",
    "List who holds each role on each contract, and warn when one account holds several kinds",
  )
    .addOption({ name: "fromBlock", description: "first block (default 0)", defaultValue: "" })
    .addOption(deploymentId)
    .setAction(() => import("./actions/roles.js"))
    .build(),

  task("abi", "Write the ABIs for standard clients (the market's with the errors it bubbles up)")
    .addOption({
      name: "out",
      description: "folder for <Contract>.json (default abi)",
      defaultValue: "",
    })
    .addFlag({
      name: "check",
      description: "write nothing; fail if the files differ from the build",
    })
    .setAction(() => import("./actions/abi.js"))
    .build(),

  task(
    "suite",
    "Show the deployed GridLedger contracts, slot clock and market parameters of this network",
  )
    .addOption(deploymentId)
    .setAction(() => import("./actions/suite.js"))
    .build(),
];
