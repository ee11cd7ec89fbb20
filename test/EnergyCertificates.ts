import { expect } from "chai";
import type { ContractTransactionReceipt, LogDescription } from "ethers";
import { Source, Status, URI, ZONE, buyFill } from "../fixtures/certificates.js";
import { deployCertificates, ethers, networkHelpers } from "./EnergyCertificates.setup.js";
import { certifySlot, expectedCertification, holdingKey } from "./helpers/certification.js";

type Fixture = Awaited<ReturnType<typeof deployCertificates>>;

const idOf = (slot: bigint, source: number) => (slot << 8n) | BigInt(source);

/** The certificates' `name` events in the receipts, in order. */
function eventsOf(
  certificates: Fixture["certificates"],
  receipts: readonly ContractTransactionReceipt[],
  name: string,
): LogDescription[] {
  return receipts
    .flatMap((r) => r.logs)
    .map((log) => certificates.interface.parseLog(log))
    .filter((e): e is LogDescription => e?.name === name);
}

async function fixture(): Promise<Fixture> {
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

    it("reverts for a slot a suspension spans (CertificatesWithheld), even after reinstatement", async function () {
      const { certificates, registry, market, solar, slot, record } = await fixture();
      await registry.suspendMeter(solar.address);
      await record(solar, slot, 100n);
      await registry.reinstateMeter(solar.address);
      await market.setSlotFinal(slot, true);
      expect(await certificates.isWithheld(solar.address, slot)).to.equal(true);
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesWithheld")
        .withArgs(solar.address, slot);
    });

    it("issues a slot before a suspension (a suspension does not reach back)", async function () {
      const { certificates, registry, market, solar, alice, slot, record } = await fixture();
      await record(solar, slot, 100n);
      await registry.suspendMeter(solar.address);
      await market.setSlotFinal(slot, true);
      await certificates.issue(solar.address, slot);
      expect(await certificates.balanceOf(alice.address, idOf(slot, Source.Solar))).to.equal(100n);
    });

    it("credits the owner of record of the slot, not an owner the operator set later", async function () {
      const { certificates, registry, market, solar, alice, outsider, slot, record } =
        await fixture();
      await record(solar, slot, 100n);
      await registry.updateMeter(solar.address, outsider.address, 100_000n, ZONE);
      const { fromSlot } = await registry.pendingChangeOf(solar.address);
      await networkHelpers.time.increaseTo(await registry.slotStart(fromSlot));
      expect((await registry.meterOf(solar.address)).owner).to.equal(outsider.address);
      await market.setSlotFinal(slot, true);
      await certificates.issue(solar.address, slot);
      expect(await certificates.balanceOf(alice.address, idOf(slot, Source.Solar))).to.equal(100n);
      expect(await certificates.balanceOf(outsider.address, idOf(slot, Source.Solar))).to.equal(0n);
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
    it("withholds the unissued slots a suspension spans for good, even after reinstatement", async function () {
      const { certificates, registry, market, solar, outsider, slot, record } = await fixture();
      await record(solar, slot, 100n);
      // Suspended during slot + 1.
      await registry.suspendMeter(solar.address);
      await record(solar, slot + 1n, 200n);
      await market.setSlotFinal(slot, true);
      await market.setSlotFinal(slot + 1n, true);
      await certificates.issue(solar.address, slot);
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
      await registry.reinstateMeter(solar.address);
      expect(await certificates.isWithheld(solar.address, slot + 5n)).to.equal(false);
      await expect(certificates.issue(solar.address, slot + 1n))
        .to.be.revertedWithCustomError(certificates, "CertificatesWithheld")
        .withArgs(solar.address, slot + 1n);
    });

    it("leaves slots no suspension spans alone and reverts for a non-renewable meter", async function () {
      const { certificates, registry, solar, gas, slot, record } = await fixture();
      await record(solar, slot, 100n);
      await registry.suspendMeter(solar.address);
      expect(await certificates.withhold.staticCall(solar.address, [slot])).to.equal(0n);
      await expect(certificates.withhold(solar.address, [slot])).not.to.emit(
        certificates,
        "IssuanceWithheld",
      );
      await registry.suspendMeter(gas.address);
      await expect(certificates.withhold(gas.address, [slot]))
        .to.be.revertedWithCustomError(certificates, "CertificatesNotRenewable")
        .withArgs(gas.address, Source.Other);
    });
  });

  describe("certifySellers and claimBuyers", function () {
    /** Ends the pages of `slot` (sellers, then buyers), one page each. */
    async function certify(f: Fixture, slot: bigint) {
      return certifySlot(f.certificates, slot);
    }

    it("refuse a slot the market has not settled with a trade, or no longer holds", async function () {
      const f = await fixture();
      const { certificates, market, solar, carol, outsider, slot, record, settleTrade } = f;
      for (const page of [
        certificates.connect(outsider).certifySellers(slot, 10n),
        certificates.connect(outsider).claimBuyers(slot, 10n),
      ]) {
        await expect(page)
          .to.be.revertedWithCustomError(certificates, "CertificatesSlotNotSettled")
          .withArgs(slot);
      }
      // Final but without a trade: nothing to certify (the request path serves it).
      await record(solar, slot, 800n);
      await market.settle(slot, 0n, [], []);
      await expect(certificates.certifySellers(slot, 10n))
        .to.be.revertedWithCustomError(certificates, "CertificatesSlotNotSettled")
        .withArgs(slot);
      await certificates.issue(solar.address, slot);
      expect(await f.certificates.balanceOf(f.alice.address, idOf(slot, Source.Solar))).to.equal(
        800n,
      );
      // Traded, then recycled by the ring before anyone certified it.
      const next = slot + 1n;
      await settleTrade(next, 100n, [buyFill(carol.address, 100n)], [[solar, 100n]]);
      await market.recycle(next);
      await expect(certificates.certifySellers(next, 10n))
        .to.be.revertedWithCustomError(certificates, "CertificatesSlotNotSettled")
        .withArgs(next);
    });

    it("gives delivered Wh to the buyers pro-rata, rounded down, and the rest to the owners", async function () {
      const f = await fixture();
      const { certificates, solar, wind, alice, bob, carol, dave, outsider, slot, record } = f;
      await record(solar, slot, 10_000n);
      await record(wind, slot, 3_000n);
      const solarId = idOf(slot, Source.Solar);
      const windId = idOf(slot, Source.Wind);
      await f.settleTrade(
        slot,
        7_000n,
        [buyFill(carol.address, 1_000n), buyFill(dave.address, 6_000n)],
        [
          [solar, 4_000n],
          [wind, 3_000n],
        ],
      );
      // The sellers' page: each meter's delivery into its pool, the unsold rest to its owner.
      await expect(certificates.connect(outsider).certifySellers(slot, 10n))
        .to.emit(certificates, "CertificatesIssued")
        .withArgs(solar.address, slot, solarId, Source.Solar, ZONE, 10_000n, 4_000n, 6_000n)
        .and.to.emit(certificates, "CertificatesIssued")
        .withArgs(wind.address, slot, windId, Source.Wind, ZONE, 3_000n, 3_000n, 0n)
        .and.to.emit(certificates, "SellersCertified")
        .withArgs(slot, 0n, 2n, true);
      expect(await certificates.vintageOf(slot, Source.Solar)).to.deep.equal([4_000n, 0n]);
      expect(await certificates.vintageOf(slot, Source.Wind)).to.deep.equal([3_000n, 0n]);
      expect(await certificates.balanceOf(alice.address, solarId)).to.equal(6_000n);
      // solar: carol 4000*1000/7000 = 571, dave 3428, remainder 1 to alice.
      // wind: carol 3000*1000/7000 = 428, dave 2571, remainder 1 to bob.
      await expect(certificates.connect(outsider).claimBuyers(slot, 10n))
        .to.emit(certificates, "CertificatesClaimed")
        .withArgs(carol.address, slot, solarId, 571n)
        .and.to.emit(certificates, "CertificatesClaimed")
        .withArgs(dave.address, slot, windId, 2_571n)
        .and.to.emit(certificates, "RoundingReturned")
        .withArgs(solar.address, slot, solarId, 1n)
        .and.to.emit(certificates, "RoundingReturned")
        .withArgs(wind.address, slot, windId, 1n)
        .and.to.emit(certificates, "BuyersClaimed")
        .withArgs(slot, 0n, 2n, true);
      const balances = await certificates.balanceOfBatch(
        [carol.address, dave.address, alice.address, carol.address, dave.address, bob.address],
        [solarId, solarId, solarId, windId, windId, windId],
      );
      expect(balances).to.deep.equal([571n, 3_428n, 6_001n, 428n, 2_571n, 1n]);
      expect(await certificates.vintageOf(slot, Source.Solar)).to.deep.equal([4_000n, 3_999n]);
      expect(await certificates.isIssued(solar.address, slot)).to.equal(true);
      expect(await certificates.isIssued(wind.address, slot)).to.equal(true);
      expect(await certificates.isSlotCertified(slot)).to.equal(true);
    });

    it("certifies a meter once, at its first filled order, and credits every buy order on its own", async function () {
      const f = await fixture();
      const { certificates, solar, alice, carol, dave, slot, record } = f;
      await record(solar, slot, 5_000n);
      const id = idOf(slot, Source.Solar);
      await f.settleTrade(
        slot,
        3_000n,
        [
          buyFill(carol.address, 1_000n),
          buyFill(carol.address, 1_000n),
          buyFill(dave.address, 1_000n),
        ],
        [
          [solar, 0n],
          [solar, 1_000n],
          [solar, 2_000n],
        ],
      );
      const { sellers, buyers } = await certify(f, slot);
      const issued = eventsOf(certificates, sellers, "CertificatesIssued");
      expect(
        issued.map((e) => [e.args.meter, e.args.amountWh, e.args.toBuyersWh, e.args.toOwnerWh]),
      ).to.deep.equal([[solar.address, 5_000n, 3_000n, 2_000n]]);
      const credits = eventsOf(certificates, buyers, "TransferSingle");
      expect(credits.map((c) => [c.args.to, c.args.value])).to.deep.equal([
        [carol.address, 1_000n],
        [carol.address, 1_000n],
        [dave.address, 1_000n],
      ]);
      expect(eventsOf(certificates, buyers, "RoundingReturned")).to.deep.equal([]);
      expect(await certificates.balanceOf(alice.address, id)).to.equal(2_000n);
      expect(await certificates.balanceOf(carol.address, id)).to.equal(2_000n);
    });

    it("never issues more than the export, whatever the market claims", async function () {
      const f = await fixture();
      const { certificates, market, solar, carol, dave, alice, slot, record } = f;
      await record(solar, slot, 1_000n);
      const index = await f.indexOf(solar);
      const id = idOf(slot, Source.Solar);
      // A lying market: the meter's fills far above its export, fills above Q.
      await market.settle(
        slot,
        100_000n,
        [buyFill(carol.address, 40_000n), buyFill(dave.address, 160_000n)],
        [
          { meterIndex: index, fillWh: 50_000n, priorFillWh: 0n, meterFillWh: 100_000n },
          { meterIndex: index, fillWh: 50_000n, priorFillWh: 50_000n, meterFillWh: 100_000n },
        ],
      );
      await certifySlot(certificates, slot);
      const [c, d, a] = await certificates.balanceOfBatch(
        [carol.address, dave.address, alice.address],
        [id, id, id],
      );
      expect(c + d + a).to.equal(1_000n);
      // carol 1000 x 40000 / 100000 = 400; dave's share is cut to what the pool has left.
      expect([c, d, a]).to.deep.equal([400n, 600n, 0n]);
    });

    it("refuses pools above Q (a market delivering more than it traded)", async function () {
      const f = await fixture();
      const { certificates, market, solar, wind, carol, slot, record } = f;
      await record(solar, slot, 1_000n);
      await record(wind, slot, 1_000n);
      await market.settle(
        slot,
        1_500n,
        [buyFill(carol.address, 1_500n)],
        [
          {
            meterIndex: await f.indexOf(solar),
            fillWh: 1_000n,
            priorFillWh: 0n,
            meterFillWh: 1_000n,
          },
          {
            meterIndex: await f.indexOf(wind),
            fillWh: 1_000n,
            priorFillWh: 0n,
            meterFillWh: 1_000n,
          },
        ],
      );
      await expect(certificates.certifySellers(slot, 10n))
        .to.be.revertedWithCustomError(certificates, "CertificatesPoolExceedsTrade")
        .withArgs(slot, 2_000n, 1_500n);
    });

    it("credits nobody for a buy order of the zero address, and never more than the pool", async function () {
      const f = await fixture();
      const { certificates, solar, alice, carol, slot, record } = f;
      await record(solar, slot, 1_000n);
      const id = idOf(slot, Source.Solar);
      await f.settleTrade(
        slot,
        1_000n,
        [buyFill(ethers.ZeroAddress, 500n), buyFill(carol.address, 500n)],
        [[solar, 1_000n]],
      );
      await certifySlot(certificates, slot);
      // An honest market has no such order (every buyer placed its own); the share is counted as
      // claimed, so the pool is never paid out twice.
      expect(await certificates.balanceOf(carol.address, id)).to.equal(500n);
      expect(await certificates.balanceOf(ethers.ZeroAddress, id)).to.equal(0n);
      expect(await certificates.balanceOf(alice.address, id)).to.equal(0n);
      expect(await certificates.vintageOf(slot, Source.Solar)).to.deep.equal([1_000n, 1_000n]);
    });

    it("skips non-renewable meters, meters without a reading and (meter, slot) already issued", async function () {
      const f = await fixture();
      const { certificates, market, solar, wind, gas, carol, slot, record } = f;
      await record(solar, slot, 1_000n);
      await record(gas, slot, 1_000n);
      await market.setSlotFinal(slot, true);
      await certificates.issue(solar.address, slot);
      await f.settleTrade(
        slot,
        3_000n,
        [buyFill(carol.address, 3_000n)],
        [
          [gas, 1_000n],
          [wind, 1_000n],
          [solar, 1_000n],
        ],
      );
      const iface = certificates.interface;
      await expect(certificates.certifySellers(slot, 10n))
        .to.emit(certificates, "IssuanceSkipped")
        .withArgs(gas.address, slot, iface.getError("CertificatesNotRenewable")!.selector)
        .and.to.emit(certificates, "IssuanceSkipped")
        .withArgs(wind.address, slot, iface.getError("CertificatesNoReading")!.selector)
        .and.to.emit(certificates, "IssuanceSkipped")
        .withArgs(solar.address, slot, iface.getError("CertificatesAlreadyIssued")!.selector)
        .and.not.to.emit(certificates, "TransferSingle");
      await expect(certificates.claimBuyers(slot, 10n)).not.to.emit(certificates, "TransferSingle");
      expect(await certificates.balanceOf(carol.address, idOf(slot, Source.Solar))).to.equal(0n);
      expect(await certificates.isSlotCertified(slot)).to.equal(true);
    });

    it("withholds a suspended meter for good instead of reverting", async function () {
      const f = await fixture();
      const { certificates, registry, solar, carol, alice, outsider, slot, record } = f;
      // Suspended before the slot: the suspension spans it and the next.
      await registry.suspendMeter(solar.address);
      await record(solar, slot, 1_000n);
      await record(solar, slot + 1n, 1_000n);
      await f.settleTrade(slot, 1_000n, [buyFill(carol.address, 1_000n)], [[solar, 1_000n]]);
      const { sellers, buyers } = await certifySlot(certificates, slot);
      expect(eventsOf(certificates, sellers, "IssuanceWithheld").map((e) => e.args)).to.deep.equal([
        [solar.address, slot, BigInt(Status.Suspended)],
      ]);
      expect(eventsOf(certificates, [...sellers, ...buyers], "TransferSingle")).to.deep.equal([]);
      // Anyone withholds the meter's next slot too while it is suspended.
      await certificates.connect(outsider).withhold(solar.address, [slot + 1n]);
      await registry.reinstateMeter(solar.address);
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesWithheld")
        .withArgs(solar.address, slot);
      expect(await certificates.balanceOf(alice.address, idOf(slot, Source.Solar))).to.equal(0n);
      expect(await certificates.balanceOf(carol.address, idOf(slot, Source.Solar))).to.equal(0n);
      // A later certification reports a withheld (meter, slot) as skipped.
      await f.settleTrade(slot + 1n, 1_000n, [buyFill(carol.address, 1_000n)], [[solar, 1_000n]]);
      await expect(certificates.certifySellers(slot + 1n, 10n))
        .to.emit(certificates, "IssuanceSkipped")
        .withArgs(
          solar.address,
          slot + 1n,
          certificates.interface.getError("CertificatesWithheld")!.selector,
        );
    });

    it("gives the buyers nothing of a selling meter that exported nothing", async function () {
      const f = await fixture();
      const { certificates, solar, alice, carol, slot, record } = f;
      await record(solar, slot, 0n, 500n);
      await f.settleTrade(slot, 600n, [buyFill(carol.address, 600n)], [[solar, 600n]]);
      await expect(certificates.certifySellers(slot, 10n))
        .to.emit(certificates, "CertificatesIssued")
        .withArgs(solar.address, slot, idOf(slot, Source.Solar), Source.Solar, ZONE, 0n, 0n, 0n)
        .and.not.to.emit(certificates, "TransferSingle");
      await certifySlot(certificates, slot);
      expect(await certificates.balanceOf(alice.address, idOf(slot, Source.Solar))).to.equal(0n);
      expect(await certificates.balanceOf(carol.address, idOf(slot, Source.Solar))).to.equal(0n);
    });
  });

  describe("paging", function () {
    const EXPORTS = [2_345n, 777n] as const;

    /** Two meters (Solar with two orders, Wind), five buy orders (one unfilled), Q = 3,000. */
    async function tradedSlot() {
      const f = await fixture();
      const { solar, wind, carol, dave, outsider, slot, record } = f;
      await record(solar, slot, EXPORTS[0]);
      await record(wind, slot, EXPORTS[1]);
      const buys = [
        buyFill(carol.address, 333n),
        buyFill(dave.address, 1_001n),
        buyFill(outsider.address, 0n),
        buyFill(carol.address, 999n),
        buyFill(outsider.address, 667n),
      ];
      await f.settleTrade(slot, 3_000n, buys, [
        [solar, 1_500n],
        [wind, 800n],
        [solar, 0n],
        [solar, 700n],
      ]);
      return { ...f, buys };
    }

    async function balancesOf(f: Awaited<ReturnType<typeof tradedSlot>>) {
      const holders = [f.alice, f.bob, f.carol, f.dave, f.outsider].map((s) => s.address);
      const ids = [idOf(f.slot, Source.Solar), idOf(f.slot, Source.Wind)];
      return f.certificates.balanceOfBatch(
        holders.flatMap((h) => ids.map(() => h)),
        holders.flatMap(() => ids),
      );
    }

    it("gives exactly the same balances in pages of 1 as in one page, and the specified ones", async function () {
      let f = await tradedSlot();
      const one = await certifySlot(f.certificates, f.slot);
      expect([one.sellers.length, one.buyers.length]).to.deep.equal([1, 1]);
      const inOnePage = await balancesOf(f);
      f = await tradedSlot();
      const paged = await certifySlot(f.certificates, f.slot, {
        sellPage: 1n,
        buyPage: 1n,
        runner: f.outsider,
      });
      expect([paged.sellers.length, paged.buyers.length]).to.deep.equal([4, 5]);
      expect(await balancesOf(f)).to.deep.equal(inOnePage);
      const expected = expectedCertification({
        clearedWh: 3_000n,
        buys: f.buys,
        sells: [
          [f.solar, 1_500n],
          [f.wind, 800n],
          [f.solar, 0n],
          [f.solar, 700n],
        ].map(([meter, fillWh]) => {
          const solar = meter === f.solar;
          return {
            meter: (meter as typeof f.solar).address,
            owner: solar ? f.alice.address : f.bob.address,
            id: idOf(f.slot, solar ? Source.Solar : Source.Wind),
            exportedWh: solar ? EXPORTS[0] : EXPORTS[1],
            fillWh: fillWh as bigint,
          };
        }),
      });
      const holders = [f.alice, f.bob, f.carol, f.dave, f.outsider].map((s) => s.address);
      const ids = [idOf(f.slot, Source.Solar), idOf(f.slot, Source.Wind)];
      expect(inOnePage).to.deep.equal(
        holders.flatMap((h) => ids.map((id) => expected.balances.get(holdingKey(h, id)) ?? 0n)),
      );
      // Every page reports its range; the cursors end at the order counts.
      expect(
        eventsOf(f.certificates, paged.buyers, "BuyersClaimed").map((e) => [...e.args]),
      ).to.deep.equal([0n, 1n, 2n, 3n, 4n].map((k) => [f.slot, k, k + 1n, k === 4n]));
      expect(await f.certificates.certificationOf(f.slot)).to.deep.equal([4n, 5n, true, true]);
    });

    it("enforces the order of the passes and runs each exactly once", async function () {
      const f = await tradedSlot();
      const { certificates, solar, slot } = f;
      await expect(certificates.claimBuyers(slot, 10n))
        .to.be.revertedWithCustomError(certificates, "CertificatesSellersNotCertified")
        .withArgs(slot);
      // The request path waits for the sellers of a traded slot too.
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesSellersNotCertified")
        .withArgs(slot);
      await expect(certificates.certifySellers(slot, 3n))
        .to.emit(certificates, "SellersCertified")
        .withArgs(slot, 0n, 3n, false);
      expect(await certificates.certificationOf(slot)).to.deep.equal([3n, 0n, false, false]);
      await expect(certificates.claimBuyers(slot, 10n)).to.be.revertedWithCustomError(
        certificates,
        "CertificatesSellersNotCertified",
      );
      await expect(certificates.certifySellers(slot, 3n))
        .to.emit(certificates, "SellersCertified")
        .withArgs(slot, 3n, 4n, true);
      await expect(certificates.certifySellers(slot, 1n))
        .to.be.revertedWithCustomError(certificates, "CertificatesSellersAlreadyCertified")
        .withArgs(slot);
      expect(await certificates.isSlotCertified(slot)).to.equal(false);
      await expect(certificates.claimBuyers(slot, 2n))
        .to.emit(certificates, "BuyersClaimed")
        .withArgs(slot, 0n, 2n, false)
        .and.not.to.emit(certificates, "RoundingReturned");
      expect(await certificates.isSlotCertified(slot)).to.equal(false);
      await certificates.claimBuyers(slot, 3n);
      expect(await certificates.isSlotCertified(slot)).to.equal(true);
      await expect(certificates.claimBuyers(slot, 1n))
        .to.be.revertedWithCustomError(certificates, "CertificatesAlreadyClaimed")
        .withArgs(slot);
      await expect(certificates.certifySellers(slot, 1n)).to.be.revertedWithCustomError(
        certificates,
        "CertificatesSellersAlreadyCertified",
      );
      // Nothing is issued twice: the sellers are closed, the request path refuses them.
      await expect(certificates.issue(solar.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesAlreadyIssued")
        .withArgs(solar.address, slot);
      // A page of 0 moves nothing (and the helper refuses it rather than loop).
      await expect(certifySlot(certificates, slot + 7n, { sellPage: 0n })).to.be.rejectedWith(
        "page sizes must be positive",
      );
    });
  });

  describe("certificates of sold energy", function () {
    it("never reach the seller, who cannot transfer them away", async function () {
      const f = await fixture();
      const { certificates, solar, alice, carol, outsider, slot, record } = f;
      await record(solar, slot, 1_000n);
      const id = idOf(slot, Source.Solar);
      await f.settleTrade(slot, 600n, [buyFill(carol.address, 600n)], [[solar, 600n]]);
      await certifySlot(certificates, slot);
      expect(await certificates.balanceOf(alice.address, id)).to.equal(400n);
      expect(await certificates.balanceOf(carol.address, id)).to.equal(600n);
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
