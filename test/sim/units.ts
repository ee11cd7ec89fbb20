import { expect } from "chai";
import {
  basePerWhToPricePerKWh,
  baseToCurrency,
  currencyToBase,
  kWhToWh,
  pricePerKWhToBasePerWh,
  UnitError,
  whToKWh,
} from "../../scripts/lib/units.js";

describe("units", function () {
  it("converts 0.25 currency/kWh to 250 base units per Wh and back", function () {
    expect(pricePerKWhToBasePerWh("0.25")).to.equal(250n);
    expect(pricePerKWhToBasePerWh(0.25)).to.equal(250n);
    expect(basePerWhToPricePerKWh(250n)).to.equal("0.25");
    // 250 base units per Wh = 250_000 base units per kWh = 0.25 currency with 6 decimals.
    expect(pricePerKWhToBasePerWh("0.25") * 1000n).to.equal(currencyToBase("0.25"));
  });

  it("converts kWh to Wh exactly, without floating point", function () {
    expect(kWhToWh("1.5")).to.equal(1500n);
    expect(kWhToWh("0.001")).to.equal(1n);
    expect(kWhToWh(0.1 + 0.2)).to.equal(300n);
    expect(whToKWh(1500n)).to.equal("1.5");
    expect(whToKWh(0)).to.equal("0");
  });

  it("converts currency to 6-decimal base units and back", function () {
    expect(currencyToBase("100")).to.equal(100_000_000n);
    expect(currencyToBase("0.000001")).to.equal(1n);
    expect(baseToCurrency(1_234_500n)).to.equal("1.2345");
    expect(baseToCurrency(-5n)).to.equal("-0.000005");
  });

  it("refuses a price with more precision than one base unit per Wh, naming the field", function () {
    expect(() => pricePerKWhToBasePerWh("0.2505", "--price")).to.throw(
      UnitError,
      /^--price: 0.2505 has more than 3 decimals/,
    );
  });

  it("refuses negative and non-numeric values, naming the field", function () {
    expect(() => kWhToWh("-1", "--amount")).to.throw(UnitError, /--amount: must not be negative/);
    expect(() => kWhToWh("abc", "--amount")).to.throw(
      UnitError,
      /--amount: "abc" is not a decimal number/,
    );
    expect(() => kWhToWh("1.0005", "--amount")).to.throw(UnitError, /more than 3 decimals/);
    expect(() => currencyToBase(Number.NaN, "--deposit")).to.throw(UnitError, /--deposit/);
  });
});
