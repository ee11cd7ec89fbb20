import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import "dotenv/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import { gridLedgerTasks } from "./tasks/index.js";

// Hardhat cannot download compilers on our machines: use the solc-js build shipped
// by the npm package `solc`, and take its version from the same package so the two never drift.
const require = createRequire(import.meta.url);
const solcPath = require.resolve("solc/soljson.js");
const solcVersion = (require("solc/package.json") as { version: string }).version;

// CI runs the stateful suites deeper than a developer's laptop does.
const inCi = process.env.CI === "true" || process.env.GRIDLEDGER_CI === "1";

/** Optimizer runs of every contract but EnergyMarket.sol (gas/GAS.md names both, from here). */
export const OPTIMIZER_RUNS = 10_000;

const compiler = {
  version: solcVersion,
  path: solcPath,
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
  },
};

// EnergyMarket alone (with the libraries it inlines) is optimised for 2,000 runs: at 10,000 its per-order
// events put it 139 bytes over the 24,576-byte limit. Measured (gas/GAS.md, "What changed"): 23,673 bytes
// deployed, 903 to spare; +0.2 to +0.6 % gas on placement, clear and settle against 10,000 runs. 5,000
// runs cost no gas but leave 154 bytes. With the order router's entry points (placeOrderFor, advanceNonce,
// nonceOf, orderRouter) 2,000 runs came to 24,633 bytes, 57 over: 1,500 runs gave 24,113 (463 to spare).
// The grid operator account's schedule (setGridOperatorAccount, gridOperatorAccountOf, the book's snapshot)
// put it at 24,785 bytes at 1,500 runs (and 24,727 down to 900 runs); at 800 the optimizer stops inlining
// enough to give 23,835 bytes (741 to spare). The other contracts keep 10,000.
export const MARKET_RUNS = 800;
const marketCompiler = {
  ...compiler,
  settings: { ...compiler.settings, optimizer: { enabled: true, runs: MARKET_RUNS } },
};
// The Solidity tests that deploy EnergyMarket compile it in their own job: they get its settings too, so that
// they run the bytecode that is deployed. Found by their imports, directly or through a test base (a test
// inheriting OrderRouterTestBase imports the market only through it), so that a new such test cannot be missed.
const TEST_FILES = readdirSync("test", { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".t.sol"))
  .map((file) => path.posix.join("test", file.split(path.sep).join("/")));
const testImports = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/import[^;]*"(\.[^"]+)";/g)].map((m) =>
    path.posix.join(path.posix.dirname(file), m[1]),
  );
function marketTests(): string[] {
  const found = new Set(["contracts/EnergyMarket.sol"]);
  for (let grew = true; grew;) {
    grew = false;
    for (const file of TEST_FILES)
      if (!found.has(file) && testImports(file).some((imported) => found.has(imported))) {
        found.add(file);
        grew = true;
      }
  }
  return [...found];
}
const MARKET_FILES = marketTests();
const build = {
  compilers: [compiler],
  overrides: Object.fromEntries(MARKET_FILES.map((file) => [file, marketCompiler])),
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  tasks: gridLedgerTasks,
  solidity: {
    profiles: {
      default: build,
      production: build,
    },
  },
  paths: {
    tests: {
      mocha: "test",
      solidity: "test",
    },
  },
  test: {
    solidity: {
      fuzz: { runs: inCi ? 1_000 : 256 },
      invariant: { runs: inCi ? 128 : 32, depth: inCi ? 64 : 32, failOnRevert: false },
    },
    mocha: {
      timeout: 600_000,
    },
  },
  typechain: {
    outDir: "typechain-types",
  },
  networks: {
    hardhatMainnet: {
      type: "edr-simulated",
      chainType: "l1",
    },
    // `npm run node` by default; GRIDLEDGER_LOCALHOST_URL points the role commands at another local node.
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.GRIDLEDGER_LOCALHOST_URL || "http://127.0.0.1:8545",
    },
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("SEPOLIA_PRIVATE_KEY")],
    },
  },
});
