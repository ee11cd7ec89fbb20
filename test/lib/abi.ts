/**
 * The ABIs for standard clients (abi/*.json): committed, equal to what `npx hardhat abi` writes from the
 * build artifacts, named in package.json, and enough on their own to decode the market's most common first
 * failure, a deposit without approval (the token's ERC20InsufficientAllowance, bubbled up through SafeERC20).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Interface, type JsonFragment } from "ethers";
import hre, { network } from "hardhat";
import {
  EXPORTED_CONTRACTS,
  abiFileText,
  exportedAbi,
  type ExportedContract,
} from "../../scripts/lib/abi.js";
import { artifactAbi } from "../../scripts/lib/compiled.js";
import { findRevertData } from "../../scripts/lib/errors.js";
import { deployMarket } from "../../fixtures/market.js";
import { expectOneLineError, runTask } from "../tasks/harness.js";

const { networkHelpers } = await network.create();

const committed = async (contract: ExportedContract) =>
  JSON.parse(await readFile(`abi/${contract}.json`, "utf8")) as JsonFragment[];

describe("exported ABIs (abi/*.json)", function () {
  for (const contract of EXPORTED_CONTRACTS) {
    it(`abi/${contract}.json is what npx hardhat abi writes from the build (regenerate: npx hardhat abi)`, async function () {
      expect(await readFile(`abi/${contract}.json`, "utf8")).to.equal(
        abiFileText(exportedAbi(contract)),
      );
    });
  }

  it("adds to the market's ABI the errors of the token and OpenZeppelin it bubbles up, each once", async function () {
    const errors = (await committed("EnergyMarket")).filter((f) => f.type === "error");
    const names = errors.map((f) => f.name!);
    for (const name of [
      "ERC20InsufficientAllowance",
      "ERC20InsufficientBalance",
      "SafeERC20FailedOperation",
      "AccessControlUnauthorizedAccount",
      "ReentrancyGuardReentrantCall",
      "StablecoinZeroAmount",
      "MarketInsufficientBalance",
    ])
      expect(names, name).to.include(name);
    expect(new Set(names).size).to.equal(names.length);
    // Everything of the artifact is kept, in its order, before the added errors.
    const artifact = artifactAbi("EnergyMarket");
    expect((await committed("EnergyMarket")).slice(0, artifact.length)).to.deep.equal(artifact);
    expect(artifact.map((f) => f.name)).to.not.include("ERC20InsufficientAllowance");
  });

  it("decodes a deposit without approval with abi/EnergyMarket.json alone", async function () {
    const f = await networkHelpers.loadFixture(deployMarket);
    const [, , , , , , , , , , stranger] = await f.ethers.getSigners();
    await (await f.token.connect(f.admin).mint(stranger!.address, 5_000_000n)).wait();
    let data: string | undefined;
    try {
      await (await f.market.connect(stranger!).deposit(5_000_000n)).wait();
    } catch (error) {
      data = findRevertData(error);
    }
    expect(data, "the deposit must revert with data").to.be.a("string");
    expect(new Interface(artifactAbi("EnergyMarket")).parseError(data!)).to.equal(null);
    const parsed = new Interface(await committed("EnergyMarket")).parseError(data!);
    expect(parsed?.name).to.equal("ERC20InsufficientAllowance");
    expect(parsed?.args.toArray()).to.deep.equal([await f.market.getAddress(), 0n, 5_000_000n]);
  });

  it("is named in package.json, so that a client can import it", async function () {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as {
      files?: string[];
      exports?: Record<string, string>;
      scripts?: Record<string, string>;
    };
    expect(pkg.files).to.include("abi/");
    expect(pkg.exports?.["./abi/*"]).to.equal("./abi/*");
    expect(pkg.scripts?.abi).to.equal("hardhat abi");
  });
});

describe("npx hardhat abi", function () {
  it("writes the files, and with --check fails in one line when one drifted", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "gridledger-abi-"));
    try {
      const written = await runTask(hre, "abi", { out: dir });
      expect(written.exitCode, written.stderr).to.equal(0);
      expect(await readFile(path.join(dir, "EnergyMarket.json"), "utf8")).to.equal(
        await readFile("abi/EnergyMarket.json", "utf8"),
      );
      expect((await runTask(hre, "abi", { out: dir, check: true })).exitCode).to.equal(0);
      await writeFile(path.join(dir, "GridStablecoin.json"), "[]\n");
      expectOneLineError(
        await runTask(hre, "abi", { out: dir, check: true }),
        /^error: .*GridStablecoin\.json differ from the build artifacts; run: npx hardhat abi --out /,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
