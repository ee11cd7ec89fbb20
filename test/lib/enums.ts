/**
 * Enum member names come from the compiler's AST, never retyped: every enum an exported ABI names in an
 * `internalType` is found, and the names agree with what the deployed market reports.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { EXPORTED_CONTRACTS, exportedAbi } from "../../scripts/lib/abi.js";
import {
  ENUMS,
  enumMembers,
  enumName,
  enumObject,
  enumOfInternalType,
  enumValue,
} from "../../scripts/lib/enums.js";
import { deployMarket } from "../../fixtures/market.js";

const { networkHelpers } = await network.create();

/** Every internalType in an ABI, components included. */
function internalTypes(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => internalTypes(n, into));
  else if (node && typeof node === "object") {
    const record = node as Record<string, unknown>;
    if (typeof record.internalType === "string") into.add(record.internalType);
    Object.values(record).forEach((v) => internalTypes(v, into));
  }
  return into;
}

describe("enums from the compiler output", function () {
  it("finds every enum the exported ABIs name, and every name in ENUMS", function () {
    const named = new Set<string>();
    for (const contract of EXPORTED_CONTRACTS)
      for (const type of internalTypes(exportedAbi(contract))) {
        const name = enumOfInternalType(type);
        if (name) named.add(name);
      }
    expect([...named]).to.include.members(Object.values(ENUMS));
    for (const name of named) expect(enumMembers(name), name).to.not.be.empty;
  });

  it("agrees with the market: an unused slot is None, a slot with an order is Open", async function () {
    const f = await networkHelpers.loadFixture(deployMarket);
    const slot = (await f.market.currentSlot()) + 2n;
    expect(enumName(ENUMS.slotStatus, (await f.market.slotInfo(slot)).status)).to.equal("None");
    const sell = enumValue(ENUMS.side, "sell");
    await (
      await f.market.connect(f.alice).placeOrder(slot, sell, 100n, 1n, f.meterAlice.address)
    ).wait();
    expect(enumName(ENUMS.slotStatus, (await f.market.slotInfo(slot)).status)).to.equal("Open");
    const events = await f.market.queryFilter(f.market.filters.OrderPlaced(), -1);
    expect(enumName(ENUMS.side, events[0]!.args.side)).to.equal("Sell");
  });

  it("refuses a member the enum does not have", function () {
    expect(() => enumValue(ENUMS.side, "hold")).to.throw(/has no member hold/);
    expect(() => enumObject(ENUMS.side, ["Buy", "Hold"])).to.throw(/has no member Hold/);
    // enumObject names members exactly as the source declares them.
    expect(() => enumObject(ENUMS.side, ["sell"])).to.throw(/has no member sell/);
  });

  it("makes objects of members by value that agree with the member list", function () {
    const status = enumObject(ENUMS.meterStatus, ["Retired", "Active"]);
    const members = enumMembers(ENUMS.meterStatus);
    expect(members[status.Retired]).to.equal("Retired");
    expect(members[status.Active]).to.equal("Active");
    expect(Object.isFrozen(status)).to.equal(true);
  });
});
