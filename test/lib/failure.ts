/**
 * The one-line error shapes of scripts/lib/failure.ts keep each domain's class name, and the one CSV
 * writer of scripts/lib/csv.ts quotes as RFC 4180 says, for the simulation and the auditor alike.
 */
import { expect } from "chai";
import { AuditInputError } from "../../scripts/audit/errors.js";
import { ConnectionError } from "../../scripts/lib/chain.js";
import { BuildOutputError } from "../../scripts/lib/compiled.js";
import { csvCell, recordsCsv, toCsv } from "../../scripts/lib/csv.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { FieldError, OneLineError } from "../../scripts/lib/failure.js";
import { UnitError } from "../../scripts/lib/units.js";
import { random } from "../../load/lib/config.js";
import { RpcUnavailable } from "../../load/lib/rpc.js";

describe("scripts/lib one-line errors and CSV", function () {
  it("field errors print '<field>: <reason>' under their own class name", function () {
    for (const [Kind, name] of [
      [UsageError, "UsageError"],
      [UnitError, "UnitError"],
    ] as const) {
      const error = new Kind("--amount", "must not be negative");
      expect(error).to.be.instanceOf(FieldError).and.instanceOf(OneLineError);
      expect(error.name).to.equal(name);
      expect(error.message).to.equal("--amount: must not be negative");
      expect([error.field, error.reason]).to.deep.equal(["--amount", "must not be negative"]);
      expect(String(error)).to.equal(`${name}: --amount: must not be negative`);
    }
  });

  it("message errors keep their names; the load test's outage is a ConnectionError", function () {
    const cases: [OneLineError, string, string][] = [
      [new AuditInputError("bad range"), "AuditInputError", "bad range"],
      [new ConnectionError("RPC x does not answer"), "ConnectionError", "RPC x does not answer"],
      [new RpcUnavailable("eth_call: no answer"), "RpcUnavailable", "eth_call: no answer"],
      [
        new BuildOutputError("no enum Side"),
        "BuildOutputError",
        "no enum Side (run: npx hardhat build)",
      ],
    ];
    for (const [error, name, message] of cases) {
      expect(error).to.be.instanceOf(OneLineError).and.not.instanceOf(FieldError);
      expect([error.name, error.message]).to.deep.equal([name, message]);
    }
    expect(new RpcUnavailable("x")).to.be.instanceOf(ConnectionError);
  });

  it("CSV cells are quoted only when they must be, with quotes doubled", function () {
    expect(
      ["plain", 12, null, undefined, "a,b", 'say "hi"', "two\nlines", "cr\r"].map(csvCell),
    ).to.deep.equal(["plain", "12", "", "", '"a,b"', '"say ""hi"""', '"two\nlines"', '"cr\r"']);
    expect(
      toCsv(
        ["a", "b"],
        [
          [1, "x,y"],
          [2, ""],
        ],
      ),
    ).to.equal('a,b\n1,"x,y"\n2,\n');
    expect(recordsCsv([{ b: 2, a: 1 }], ["a", "b"])).to.equal("a,b\n1,2\n");
    expect(recordsCsv([{ b: 2, a: 1 }])).to.equal("b,a\n2,1\n");
    expect(recordsCsv([], ["a"])).to.equal("a\n");
  });

  it("the load test's seeded numbers repeat for a seed, differ across seeds and stay in [0, 1)", function () {
    const draw = (seed: number) => {
      const rng = random(seed);
      return Array.from({ length: 100 }, () => rng());
    };
    expect(draw(7)).to.deep.equal(draw(7));
    expect(draw(7)).to.not.deep.equal(draw(8));
    for (const x of draw(7)) expect(x).to.be.at.least(0).and.below(1);
  });
});
