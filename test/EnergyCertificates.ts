import { expect } from "chai";
import {
  Source,
  Status,
  URI,
  ZONE,
  type BuyerFill,
  type SellerDelivery,
} from "./EnergyCertificates.fixture.js";
import { deployCertificates, ethers, networkHelpers } from "./EnergyCertificates.setup.js";

const idOf = (slot: bigint, source: number) => (slot << 8n) | BigInt(source);
const fill = (buyer: string, filledWh: bigint): BuyerFill => ({ buyer, filledWh });
const delivery = (meter: string, deliveredWh: bigint): SellerDelivery => ({ meter, deliveredWh });

async function fixture() {
  return networkHelpers.loadFixture(deployCertificates);
}

describe("EnergyCertificates", function () {
  describe("deployment and views", function () {
    it("exposes the registry, the bound market and the URI template", async function () {
      const { certificates, registry, market } = await fixture();
      expect(await certificates.registry()).to.equal(await registry.getAddress());
      expect(await certificates.market()).to.equal(await market.getAddress());
      expect(await certificates.uri(1n)).to.equal(URI);
    });

    it("encodes an id as (slot << 8) | source and decodes it back", async function () {
      const { certificates } = await fixture();
      expect(await certificates.idOf(42n, Source.Solar)).to.equal(0x2a01n);
      const maxSlot = 2n ** 64n - 1n;
      expect(await certificates.idOf(maxSlot, Source.Other)).to.equal((maxSlot << 8n) | 6n);
      const [slot, source] = await certificates.decodeId((maxSlot << 8n) | 4n);
      expect(slot).to.equal(maxSlot);
      expect(source).to.equal(BigInt(Source.Biomass));
    });

    it("refuses to decode ids no vintage has", async function () {
      const { certificates } = await fixture();
      const lib = await ethers.getContractAt("CertificateId", await certificates.getAddress());
      for (const bad of [7n, 0xffn, 1n << 72n]) {
        await expect(certificates.decodeId(bad))
          .to.be.revertedWithCustomError(lib, "CertificateIdInvalid")
          .withArgs(bad);
      }
    });

    it("counts Solar, Wind, Hydro and Biomass as renewable, not None, Storage or Other", async function () {
      const { certificates } = await fixture();
      const renewable = await Promise.all(
        Object.values(Source).map((s) => certificates.isRenewable(s)),
      );
      expect(renewable).to.deep.equal([false, true, true, true, true, false, false]);
    });

    it("supports the ERC-1155, metadata URI and AccessControl interfaces", async function () {
      const { certificates } = await fixture();
      for (const interfaceId of ["0xd9b67a26", "0x0e89341c", "0x7965db0b", "0x01ffc9a7"]) {
        expect(await certificates.supportsInterface(interfaceId)).to.equal(true);
      }
      expect(await certificates.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("bindMarket", function () {
    async function unbound() {
      const f = await fixture();
      const certificates = await ethers.deployContract("EnergyCertificates", [
        await f.registry.getAddress(),
        f.admin.address,
        URI,
      ]);
      const market = await ethers.deployContract("MockCertMarket", [
        await f.registry.getAddress(),
        await certificates.getAddress(),
      ]);
      return { ...f, certificates, market };
    }

    it("binds a market that names it as hook and reads the same registry, once", async function () {
      const { certificates, market } = await unbound();
      await expect(certificates.bindMarket(await market.getAddress()))
        .to.emit(certificates, "MarketBound")
        .withArgs(await market.getAddress());
      expect(await certificates.market()).to.equal(await market.getAddress());
      await expect(certificates.bindMarket(await market.getAddress()))
        .to.be.revertedWithCustomError(certificates, "CertificatesMarketAlreadyBound")
        .withArgs(await market.getAddress());
    });

    it("is admin only", async function () {
      const { certificates, market, outsider } = await unbound();
      await expect(certificates.connect(outsider).bindMarket(await market.getAddress()))
        .to.be.revertedWithCustomError(certificates, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, ethers.ZeroHash);
    });

    it("refuses a market whose hook is another contract", async function () {
      const { certificates, market, registry, outsider } = await unbound();
      await market.setSettlementHook(outsider.address);
      await expect(certificates.bindMarket(await market.getAddress()))
        .to.be.revertedWithCustomError(certificates, "CertificatesMarketMismatch")
        .withArgs(await market.getAddress(), outsider.address, await registry.getAddress());
    });

    it("refuses a market that reads another registry", async function () {
      const { certificates, outsider } = await unbound();
      const market = await ethers.deployContract("MockCertMarket", [
        outsider.address,
        await certificates.getAddress(),
      ]);
      await expect(certificates.bindMarket(await market.getAddress()))
        .to.be.revertedWithCustomError(certificates, "CertificatesMarketMismatch")
        .withArgs(await market.getAddress(), await certificates.getAddress(), outsider.address);
    });

    it("refuses an address without code", async function () {
      const { certificates, outsider } = await unbound();
      await expect(certificates.bindMarket(outsider.address))
        .to.be.revertedWithCustomError(certificates, "CertificatesMarketMismatch")
        .withArgs(outsider.address, ethers.ZeroAddress, ethers.ZeroAddress);
    });

    it("leaves issuance by request impossible until a market is bound", async function () {
      const { certificates, solar, slot, record } = await unbound();
      await record(solar, slot, 1000n);
      await expect(certificates.issue(solar.address, slot)).to.be.revertedWithCustomError(
        certificates,
        "CertificatesMarketNotBound",
      );
    });
  });

  describe("setURI", function () {
    it("lets the admin replace the URI template", async function () {
      const { certificates } = await fixture();
      await expect(certificates.setURI("ipfs://x/{id}"))
        .to.emit(certificates, "MetadataURIUpdated")
        .withArgs("ipfs://x/{id}");
      expect(await certificates.uri(0n)).to.equal("ipfs://x/{id}");
    });

    it("is admin only", async function () {
      const { certificates, outsider } = await fixture();
      await expect(certificates.connect(outsider).setURI("x")).to.be.revertedWithCustomError(
        certificates,
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("issue", function () {
    it("issues a final slot's whole export to the meter's owner, with its provenance", async function () {
      const { certificates, market, solar, alice, outsider, slot, record } = await fixture();
      await record(solar, slot, 12_345n, 10n);
      await market.setSlotFinal(slot, true);
      const id = idOf(slot, Source.Solar);
      await expect(certificates.connect(outsider).issue(solar.address, slot))
        .to.emit(certificates, "CertificatesIssued")
        .withArgs(solar.address, slot, id, Source.Solar, ZONE, 12_345n, 0n, 12_345n)
        .and.to.emit(certificates, "TransferSingle")
        .withArgs(outsider.address, ethers.ZeroAddress, alice.address, id, 12_345n);
      expect(await certificates.balanceOf(alice.address, id)).to.equal(12_345n);
      expect(await certificates.isIssued(solar.address, slot)).to.equal(true);
      expect(await certificates.isIssued(solar.address, slot + 1n)).to.equal(false);
    });

    it("issues at most once per (meter, slot)", async function () {
      const { certificates, market, solar, slot, record } = await fixture();
      await record(solar, slot, 500n);
      await market.setSlotFinal(slot, true);
      await certificates.issue(solar.address, slot);
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesAlreadyIssued")
        .withArgs(solar.address, slot);
    });

    it("reverts without a recorded reading", async function () {
      const { certificates, market, solar, slot } = await fixture();
      await market.setSlotFinal(slot, true);
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesNoReading")
        .withArgs(solar.address, slot);
    });

    it("reverts for non-renewable sources, consumption meters and unknown meters", async function () {
      const { certificates, market, gas, battery, home, outsider, slot, record } = await fixture();
      await record(gas, slot, 100n);
      await record(battery, slot, 100n);
      await market.setSlotFinal(slot, true);
      const cases: [string, number][] = [
        [gas.address, Source.Other],
        [battery.address, Source.Storage],
        [home.address, Source.None],
        [outsider.address, Source.None],
      ];
      for (const [meter, source] of cases) {
        await expect(certificates.issue(meter, slot))
          .to.be.revertedWithCustomError(certificates, "CertificatesNotRenewable")
          .withArgs(meter, source);
      }
    });

    it("reverts while the meter is suspended", async function () {
      const { certificates, registry, market, solar, slot, record } = await fixture();
      await record(solar, slot, 100n);
      await market.setSlotFinal(slot, true);
      await registry.suspendMeter(solar.address);
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesMeterNotActive")
        .withArgs(solar.address, Status.Suspended);
    });

    it("reverts while the market may still settle the slot", async function () {
      const { certificates, solar, slot, record } = await fixture();
      await record(solar, slot, 100n);
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesSlotNotFinal")
        .withArgs(slot);
    });

    it("closes a slot with zero export without minting", async function () {
      const { certificates, market, solar, slot, record } = await fixture();
      await record(solar, slot, 0n, 700n);
      await market.setSlotFinal(slot, true);
      await expect(certificates.issue(solar.address, slot))
        .to.emit(certificates, "CertificatesIssued")
        .and.not.to.emit(certificates, "TransferSingle");
      expect(await certificates.isIssued(solar.address, slot)).to.equal(true);
    });
  });

  describe("issueBatch", function () {
    it("issues several (meter, slot) pairs", async function () {
      const { certificates, market, solar, wind, alice, bob, slot, record } = await fixture();
      await record(solar, slot, 100n);
      await record(wind, slot, 200n);
      await record(solar, slot + 1n, 300n);
      await market.setSlotFinal(slot, true);
      await market.setSlotFinal(slot + 1n, true);
      await certificates.issueBatch(
        [solar.address, wind.address, solar.address],
        [slot, slot, slot + 1n],
      );
      expect(await certificates.balanceOf(alice.address, idOf(slot, Source.Solar))).to.equal(100n);
      expect(await certificates.balanceOf(bob.address, idOf(slot, Source.Wind))).to.equal(200n);
      expect(await certificates.balanceOf(alice.address, idOf(slot + 1n, Source.Solar))).to.equal(
        300n,
      );
    });

    it("is all or nothing", async function () {
      const { certificates, market, solar, wind, slot, record } = await fixture();
      await record(solar, slot, 100n);
      await market.setSlotFinal(slot, true);
      await expect(certificates.issueBatch([solar.address, wind.address], [slot, slot]))
        .to.be.revertedWithCustomError(certificates, "CertificatesNoReading")
        .withArgs(wind.address, slot);
      expect(await certificates.isIssued(solar.address, slot)).to.equal(false);
    });

    it("reverts when the arrays differ in length", async function () {
      const { certificates, solar, slot } = await fixture();
      await expect(certificates.issueBatch([solar.address], [slot, slot]))
        .to.be.revertedWithCustomError(certificates, "CertificatesLengthMismatch")
        .withArgs(1n, 2n);
    });
  });

  describe("withhold", function () {
    it("withholds a suspended meter's unissued slots for good, even after reinstatement", async function () {
      const { certificates, registry, market, solar, outsider, slot, record } = await fixture();
      await record(solar, slot, 100n);
      await record(solar, slot + 1n, 200n);
      await market.setSlotFinal(slot, true);
      await market.setSlotFinal(slot + 1n, true);
      await certificates.issue(solar.address, slot);
      await registry.suspendMeter(solar.address);
      // slot: issued, left alone; slot + 1: withheld; slot + 5: no reading, left alone.
      const tx = certificates
        .connect(outsider)
        .withhold(solar.address, [slot, slot + 1n, slot + 5n]);
      await expect(tx)
        .to.emit(certificates, "IssuanceWithheld")
        .withArgs(solar.address, slot + 1n, Status.Suspended);
      expect(await certificates.isWithheld(solar.address, slot + 1n)).to.equal(true);
      expect(await certificates.isIssued(solar.address, slot + 1n)).to.equal(false);
      expect(await certificates.isWithheld(solar.address, slot)).to.equal(false);
      expect(await certificates.isWithheld(solar.address, slot + 5n)).to.equal(false);
      await registry.reinstateMeter(solar.address);
      await expect(certificates.issue(solar.address, slot + 1n))
        .to.be.revertedWithCustomError(certificates, "CertificatesWithheld")
        .withArgs(solar.address, slot + 1n);
    });

    it("reverts for an active meter and for a non-renewable one", async function () {
      const { certificates, registry, solar, gas, slot } = await fixture();
      await expect(certificates.withhold(solar.address, [slot]))
        .to.be.revertedWithCustomError(certificates, "CertificatesMeterActive")
        .withArgs(solar.address);
      await registry.suspendMeter(gas.address);
      await expect(certificates.withhold(gas.address, [slot]))
        .to.be.revertedWithCustomError(certificates, "CertificatesNotRenewable")
        .withArgs(gas.address, Source.Other);
    });
  });

  describe("onSlotSettled", function () {
    it("reverts unless called by the bound market", async function () {
      const { certificates, outsider, slot } = await fixture();
      await expect(certificates.connect(outsider).onSlotSettled(slot, 0n, [], []))
        .to.be.revertedWithCustomError(certificates, "CertificatesNotMarket")
        .withArgs(outsider.address);
    });

    it("gives delivered Wh to the buyers pro-rata, rounded down, and the rest to the owners", async function () {
      const { certificates, market, solar, wind, alice, bob, carol, dave, slot, record } =
        await fixture();
      await record(solar, slot, 10_000n);
      await record(wind, slot, 3_000n);
      const solarId = idOf(slot, Source.Solar);
      const windId = idOf(slot, Source.Wind);
      const tx = market.settle(
        slot,
        7_000n,
        [fill(carol.address, 1_000n), fill(dave.address, 6_000n)],
        [delivery(solar.address, 4_000n), delivery(wind.address, 3_000n)],
      );
      // solar: carol 4000*1000/7000 = 571, dave 3428, remainder 1 + unsold 6000 to alice.
      // wind: carol 3000*1000/7000 = 428, dave 2571, remainder 1 to bob.
      await expect(tx)
        .to.emit(certificates, "CertificatesIssued")
        .withArgs(solar.address, slot, solarId, Source.Solar, ZONE, 10_000n, 3_999n, 6_001n)
        .and.to.emit(certificates, "CertificatesIssued")
        .withArgs(wind.address, slot, windId, Source.Wind, ZONE, 3_000n, 2_999n, 1n);
      const balances = await certificates.balanceOfBatch(
        [carol.address, dave.address, alice.address, carol.address, dave.address, bob.address],
        [solarId, solarId, solarId, windId, windId, windId],
      );
      expect(balances).to.deep.equal([571n, 3_428n, 6_001n, 428n, 2_571n, 1n]);
      expect(await certificates.isIssued(solar.address, slot)).to.equal(true);
      expect(await certificates.isIssued(wind.address, slot)).to.equal(true);
    });

    it("sums repeated meters and merges consecutive orders of one buyer into one credit", async function () {
      const { certificates, market, solar, alice, carol, dave, slot, record } = await fixture();
      await record(solar, slot, 5_000n);
      const id = idOf(slot, Source.Solar);
      const tx = market.settle(
        slot,
        3_000n,
        [fill(carol.address, 1_000n), fill(carol.address, 1_000n), fill(dave.address, 1_000n)],
        [delivery(solar.address, 1_000n), delivery(solar.address, 2_000n)],
      );
      await expect(tx)
        .to.emit(certificates, "CertificatesIssued")
        .withArgs(solar.address, slot, id, Source.Solar, ZONE, 5_000n, 3_000n, 2_000n);
      const receipt = await (await tx).wait();
      const credits = receipt!.logs
        .map((log) => certificates.interface.parseLog(log))
        .filter((log) => log?.name === "TransferSingle");
      expect(credits.map((c) => [c!.args.to, c!.args.value])).to.deep.equal([
        [carol.address, 2_000n],
        [dave.address, 1_000n],
        [alice.address, 2_000n],
      ]);
    });

    it("never issues more than the export, whatever the market claims", async function () {
      const { certificates, market, solar, carol, dave, alice, slot, record } = await fixture();
      await record(solar, slot, 1_000n);
      const id = idOf(slot, Source.Solar);
      // A lying market: delivery above the export, fills above the cleared volume.
      await market.settle(
        slot,
        10n,
        [fill(carol.address, 40_000n), fill(dave.address, 60_000n)],
        [delivery(solar.address, 50_000n), delivery(solar.address, 50_000n)],
      );
      const [c, d, a] = await certificates.balanceOfBatch(
        [carol.address, dave.address, alice.address],
        [id, id, id],
      );
      expect(c + d + a).to.equal(1_000n);
      expect([c, d, a]).to.deep.equal([400n, 600n, 0n]);
    });

    it("gives a buyer's share to the owner when the buyer is the zero address", async function () {
      const { certificates, market, solar, alice, carol, slot, record } = await fixture();
      await record(solar, slot, 1_000n);
      const id = idOf(slot, Source.Solar);
      await market.settle(
        slot,
        1_000n,
        [fill(ethers.ZeroAddress, 500n), fill(carol.address, 500n)],
        [delivery(solar.address, 1_000n)],
      );
      expect(await certificates.balanceOf(carol.address, id)).to.equal(500n);
      expect(await certificates.balanceOf(alice.address, id)).to.equal(500n);
      expect(await certificates.balanceOf(ethers.ZeroAddress, id)).to.equal(0n);
    });

    it("skips non-renewable meters, meters without a reading and (meter, slot) already issued", async function () {
      const { certificates, market, solar, wind, gas, carol, slot, record } = await fixture();
      await record(solar, slot, 1_000n);
      await record(gas, slot, 1_000n);
      await market.setSlotFinal(slot, true);
      await certificates.issue(solar.address, slot);
      const iface = certificates.interface;
      const tx = market.settle(
        slot,
        3_000n,
        [fill(carol.address, 3_000n)],
        [
          delivery(gas.address, 1_000n),
          delivery(wind.address, 1_000n),
          delivery(solar.address, 1_000n),
        ],
      );
      await expect(tx)
        .to.emit(certificates, "IssuanceSkipped")
        .withArgs(gas.address, slot, iface.getError("CertificatesNotRenewable")!.selector)
        .and.to.emit(certificates, "IssuanceSkipped")
        .withArgs(wind.address, slot, iface.getError("CertificatesNoReading")!.selector)
        .and.to.emit(certificates, "IssuanceSkipped")
        .withArgs(solar.address, slot, iface.getError("CertificatesAlreadyIssued")!.selector)
        .and.not.to.emit(certificates, "TransferSingle");
    });

    it("withholds a suspended meter for good instead of reverting", async function () {
      const { certificates, registry, market, solar, carol, alice, slot, record } = await fixture();
      await record(solar, slot, 1_000n);
      await registry.suspendMeter(solar.address);
      await expect(
        market.settle(
          slot,
          1_000n,
          [fill(carol.address, 1_000n)],
          [delivery(solar.address, 1_000n)],
        ),
      )
        .to.emit(certificates, "IssuanceWithheld")
        .withArgs(solar.address, slot, Status.Suspended)
        .and.not.to.emit(certificates, "TransferSingle");
      await registry.reinstateMeter(solar.address);
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesWithheld")
        .withArgs(solar.address, slot);
      expect(await certificates.balanceOf(alice.address, idOf(slot, Source.Solar))).to.equal(0n);
      // a second settlement call reports it as withheld
      await expect(
        market.settle(
          slot,
          1_000n,
          [fill(carol.address, 1_000n)],
          [delivery(solar.address, 1_000n)],
        ),
      )
        .to.emit(certificates, "IssuanceSkipped")
        .withArgs(
          solar.address,
          slot,
          certificates.interface.getError("CertificatesWithheld")!.selector,
        );
    });

    it("issues the whole export to the owner when nothing was delivered", async function () {
      const { certificates, market, solar, alice, slot, record } = await fixture();
      await record(solar, slot, 800n);
      await market.settle(slot, 0n, [], [delivery(solar.address, 0n)]);
      expect(await certificates.balanceOf(alice.address, idOf(slot, Source.Solar))).to.equal(800n);
    });
  });

  describe("certificates of sold energy", function () {
    it("never reach the seller, who cannot transfer them away", async function () {
      const { certificates, market, solar, alice, carol, outsider, slot, record } = await fixture();
      await record(solar, slot, 1_000n);
      const id = idOf(slot, Source.Solar);
      await market.settle(slot, 600n, [fill(carol.address, 600n)], [delivery(solar.address, 600n)]);
      expect(await certificates.balanceOf(alice.address, id)).to.equal(400n);
      await expect(
        certificates
          .connect(alice)
          .safeTransferFrom(alice.address, outsider.address, id, 401n, "0x"),
      )
        .to.be.revertedWithCustomError(certificates, "ERC1155InsufficientBalance")
        .withArgs(alice.address, 400n, 401n, id);
      await expect(
        certificates.connect(alice).safeTransferFrom(carol.address, outsider.address, id, 1n, "0x"),
      )
        .to.be.revertedWithCustomError(certificates, "ERC1155MissingApprovalForAll")
        .withArgs(alice.address, carol.address);
      // and the request path cannot issue the sold energy to the seller afterwards
      await expect(certificates.issue(solar.address, slot)).to.be.revertedWithCustomError(
        certificates,
        "CertificatesAlreadyIssued",
      );
    });
  });

  describe("retire", function () {
    async function issued() {
      const f = await fixture();
      await f.record(f.solar, f.slot, 1_000n);
      await f.market.setSlotFinal(f.slot, true);
      await f.certificates.issue(f.solar.address, f.slot);
      return { ...f, id: idOf(f.slot, Source.Solar) };
    }

    it("burns the holder's certificates and records the claim for the beneficiary", async function () {
      const { certificates, alice, carol, id } = await issued();
      const claim = ethers.hexlify(ethers.toUtf8Bytes("Scope 2, 2025"));
      await expect(certificates.connect(alice).retire(id, 300n, carol.address, claim))
        .to.emit(certificates, "CertificatesRetired")
        .withArgs(alice.address, carol.address, id, 300n, claim)
        .and.to.emit(certificates, "TransferSingle")
        .withArgs(alice.address, alice.address, ethers.ZeroAddress, id, 300n);
      expect(await certificates.balanceOf(alice.address, id)).to.equal(700n);
      const documentHash = ethers.id("annual report 2025");
      await expect(certificates.connect(alice).retire(id, 700n, carol.address, documentHash))
        .to.emit(certificates, "CertificatesRetired")
        .withArgs(alice.address, carol.address, id, 700n, documentHash);
      expect(await certificates.balanceOf(alice.address, id)).to.equal(0n);
      const claims = await certificates.queryFilter(
        certificates.filters.CertificatesRetired(undefined, carol.address),
      );
      expect(claims.reduce((sum, e) => sum + e.args.amountWh, 0n)).to.equal(1_000n);
    });

    it("cannot retire more than the balance, nor retire retired certificates again", async function () {
      const { certificates, alice, carol, id } = await issued();
      await expect(certificates.connect(alice).retire(id, 1_001n, carol.address, "0x"))
        .to.be.revertedWithCustomError(certificates, "ERC1155InsufficientBalance")
        .withArgs(alice.address, 1_000n, 1_001n, id);
      await certificates.connect(alice).retire(id, 1_000n, carol.address, "0x");
      await expect(certificates.connect(alice).retire(id, 1n, carol.address, "0x"))
        .to.be.revertedWithCustomError(certificates, "ERC1155InsufficientBalance")
        .withArgs(alice.address, 0n, 1n, id);
      // the beneficiary holds nothing it could move
      expect(await certificates.balanceOf(carol.address, id)).to.equal(0n);
    });

    it("reverts for the zero beneficiary and for zero Wh", async function () {
      const { certificates, alice, carol, id } = await issued();
      await expect(
        certificates.connect(alice).retire(id, 1n, ethers.ZeroAddress, "0x"),
      ).to.be.revertedWithCustomError(certificates, "CertificatesZeroBeneficiary");
      await expect(
        certificates.connect(alice).retire(id, 0n, carol.address, "0x"),
      ).to.be.revertedWithCustomError(certificates, "CertificatesZeroAmount");
    });
  });
});
