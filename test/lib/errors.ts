/**
 * The error decoder prints every argument in human terms beside its raw value: enum members by name (from
 * the compiler's AST), role hashes by role name, timestamps in UTC, Wh in kWh, token base units in the
 * token's units, prices in token per kWh.
 */
import { expect } from "chai";
import { Interface, id, ZeroHash } from "ethers";
import { exportedAbi } from "../../scripts/lib/abi.js";
import { ErrorDecoder } from "../../scripts/lib/errors.js";

const market = new Interface(exportedAbi("EnergyMarket"));
const certificates = new Interface(exportedAbi("EnergyCertificates"));
const role = id("GRID_OPERATOR_ROLE");
const decoder = new ErrorDecoder([exportedAbi("EnergyMarket"), exportedAbi("EnergyCertificates")], {
  roles: new Map([
    [role, "GRID_OPERATOR_ROLE"],
    [ZeroHash, "DEFAULT_ADMIN_ROLE"],
  ]),
  token: { symbol: "gUSD", decimals: 6 },
});
const account = "0x00000000000000000000000000000000000000AA";

describe("ErrorDecoder", function () {
  it("names enum arguments by member (MarketSlotNotOpen status 3 is Settled)", function () {
    const data = market.encodeErrorResult("MarketSlotNotOpen", [7n, 3n]);
    const decoded = decoder.decode(data)!;
    expect(decoded.name).to.equal("MarketSlotNotOpen");
    expect(decoded.args).to.deep.equal({ slot: "7", status: "3 (Settled)" });
    expect(decoded.values).to.deep.equal({ slot: 7n, status: 3n });
  });

  it("names a value outside the enum instead of guessing", function () {
    const data = market.encodeErrorResult("MarketSlotNotCleared", [7n, 9n]);
    expect(decoder.decode(data)?.args.status).to.equal(
      "9 (not a member of IEnergyMarket.SlotStatus)",
    );
  });

  it("names role hashes and keeps the hash", function () {
    const data = market.encodeErrorResult("AccessControlUnauthorizedAccount", [account, role]);
    expect(decoder.decode(data)?.args).to.deep.equal({
      account,
      neededRole: `GRID_OPERATOR_ROLE (${role})`,
    });
    const unknown = id("NO_SUCH_ROLE");
    const other = market.encodeErrorResult("AccessControlUnauthorizedAccount", [account, unknown]);
    expect(decoder.decode(other)?.args.neededRole).to.equal(unknown);
  });

  it("prints timestamps as UTC beside the number", function () {
    const data = market.encodeErrorResult("MarketGateClosed", [7n, 1_764_633_600n, 1_764_633_601n]);
    expect(decoder.decode(data)?.args).to.deep.equal({
      slot: "7",
      gateClosure: "1764633600 (2025-12-02T00:00:00Z)",
      timestamp: "1764633601 (2025-12-02T00:00:01Z)",
    });
  });

  it("prints token amounts in the token's units, energy in kWh and prices per kWh", function () {
    const balance = market.encodeErrorResult("MarketInsufficientBalance", [
      account,
      0n,
      5_250_000n,
    ]);
    expect(decoder.decode(balance)?.args).to.deep.equal({
      account,
      free: "0 (0 gUSD)",
      needed: "5250000 (5.25 gUSD)",
    });
    const allowance = market.encodeErrorResult("ERC20InsufficientAllowance", [
      account,
      0n,
      10n ** 6n,
    ]);
    expect(decoder.decode(allowance)?.args.needed).to.equal("1000000 (1 gUSD)");
    const small = market.encodeErrorResult("MarketOrderTooSmall", [5n, 10n]);
    expect(decoder.decode(small)?.args).to.deep.equal({
      quantityWh: "5 (0.005 kWh)",
      minimumWh: "10 (0.01 kWh)",
    });
    const price = market.encodeErrorResult("MarketPriceBelowMinimum", [250n, 1n]);
    expect(decoder.decode(price)?.args).to.deep.equal({
      limitPrice: "250 (0.25 gUSD/kWh)",
      minimum: "1 (0.001 gUSD/kWh)",
    });
    // Certificates are counted in Wh, not in token units.
    const certs = certificates.encodeErrorResult("ERC1155InsufficientBalance", [
      account,
      400n,
      900n,
      (7n << 8n) | 1n,
    ]);
    expect(decoder.decode(certs)?.args.needed).to.equal("900 (0.9 kWh)");
  });

  it("turns ethers' refusal to encode a value into one line naming the argument", function () {
    let refusal: unknown;
    try {
      market.encodeFunctionData("placeOrder", [1n << 64n, 0, 10n, 1n, account]);
    } catch (error) {
      refusal = error;
    }
    const explained = decoder.explain("placeOrder", refusal);
    expect(explained.message).to.equal("placeOrder not sent: value out-of-bounds (argument slot)");
  });

  it("leaves counts and ids as they are", function () {
    const data = market.encodeErrorResult("MarketSlotFull", [7n, 160n]);
    expect(decoder.decode(data)?.args).to.deep.equal({ slot: "7", capPerSide: "160" });
  });
});
