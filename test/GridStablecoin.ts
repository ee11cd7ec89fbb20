import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import type { GridStablecoin } from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();
const LIMIT = 1_000n * 10n ** 6n;

async function stablecoinFixture({ ethers }: NetworkConnection) {
  const [admin, alice, bob] = await ethers.getSigners();
  const token = (await ethers.deployContract("GridStablecoin", [
    admin.address,
  ])) as unknown as GridStablecoin;
  return { token, admin, alice, bob };
}

describe("GridStablecoin", function () {
  it("is the GridLedger Testbed Dollar, gUSD, with 6 decimals", async function () {
    const { token, admin } = await networkHelpers.loadFixture(stablecoinFixture);
    expect(await token.name()).to.equal("GridLedger Testbed Dollar");
    expect(await token.symbol()).to.equal("gUSD");
    expect(await token.decimals()).to.equal(6n);
    expect(await token.hasRole(await token.MINTER_ROLE(), admin.address)).to.equal(true);
  });

  describe("mint", function () {
    it("mints any amount for a minter", async function () {
      const { token, alice } = await networkHelpers.loadFixture(stablecoinFixture);
      await (await token.mint(alice.address, 10n ** 15n)).wait();
      expect(await token.balanceOf(alice.address)).to.equal(10n ** 15n);
    });

    it("refuses anyone else", async function () {
      const { token, alice } = await networkHelpers.loadFixture(stablecoinFixture);
      await expect(token.connect(alice).mint(alice.address, 1n))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, await token.MINTER_ROLE());
    });
  });

  describe("faucet", function () {
    it("gives up to the daily limit per account, in one or several calls", async function () {
      const { token, alice, bob } = await networkHelpers.loadFixture(stablecoinFixture);
      await expect(token.connect(alice).faucet(LIMIT - 1n))
        .to.emit(token, "FaucetDrawn")
        .withArgs(alice.address, LIMIT - 1n);
      expect(await token.faucetRemaining(alice.address)).to.equal(1n);
      await (await token.connect(alice).faucet(1n)).wait();
      expect(await token.balanceOf(alice.address)).to.equal(LIMIT);
      await expect(token.connect(alice).faucet(1n))
        .to.be.revertedWithCustomError(token, "StablecoinFaucetLimit")
        .withArgs(alice.address, 1n, 0n);
      // Another account has its own allowance.
      await (await token.connect(bob).faucet(LIMIT)).wait();
    });

    it("refuses more than the limit in one call, and zero", async function () {
      const { token, alice } = await networkHelpers.loadFixture(stablecoinFixture);
      await expect(token.connect(alice).faucet(LIMIT + 1n))
        .to.be.revertedWithCustomError(token, "StablecoinFaucetLimit")
        .withArgs(alice.address, LIMIT + 1n, LIMIT);
      await expect(token.connect(alice).faucet(0n)).to.be.revertedWithCustomError(
        token,
        "StablecoinZeroAmount",
      );
    });

    it("renews the allowance on the next UTC day", async function () {
      const { token, alice } = await networkHelpers.loadFixture(stablecoinFixture);
      await (await token.connect(alice).faucet(LIMIT)).wait();
      const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      const nextDay = (now / 86_400n + 1n) * 86_400n;
      await networkHelpers.time.setNextBlockTimestamp(nextDay - 1n);
      await expect(token.connect(alice).faucet(1n)).to.be.revertedWithCustomError(
        token,
        "StablecoinFaucetLimit",
      );
      await networkHelpers.time.setNextBlockTimestamp(nextDay);
      await (await token.connect(alice).faucet(LIMIT)).wait();
      expect(await token.balanceOf(alice.address)).to.equal(2n * LIMIT);
    });
  });
});
