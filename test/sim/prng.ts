import { expect } from "chai";
import { Rng } from "../../scripts/lib/prng.js";
import { expectClose } from "../helpers/approx.js";

describe("Rng", function () {
  it("gives the same sequence for the same seed", function () {
    const a = new Rng("seed-1");
    const b = new Rng("seed-1");
    const xs = Array.from({ length: 50 }, () => a.next());
    const ys = Array.from({ length: 50 }, () => b.next());
    expect(xs).to.deep.equal(ys);
  });

  it("gives different sequences for different seeds", function () {
    const a = new Rng("seed-1");
    const b = new Rng("seed-2");
    expect(Array.from({ length: 5 }, () => a.next())).to.not.deep.equal(
      Array.from({ length: 5 }, () => b.next()),
    );
  });

  it("derives streams from the seed, not from the position", function () {
    const a = new Rng(7);
    a.next();
    a.next();
    const b = new Rng(7);
    expect(a.stream("x").next()).to.equal(b.stream("x").next());
    expect(a.stream("x").next()).to.not.equal(a.stream("y").next());
  });

  it("draws uniforms in [0, 1) with a plausible mean and normals with a plausible spread", function () {
    const rng = new Rng("stats");
    const n = 20_000;
    const us = Array.from({ length: n }, () => rng.next());
    expect(Math.min(...us)).to.be.at.least(0);
    expect(Math.max(...us)).to.be.below(1);
    expectClose(us.reduce((a, b) => a + b, 0) / n, 0.5, 0.01);
    const zs = Array.from({ length: n }, () => rng.normal());
    const mean = zs.reduce((a, b) => a + b, 0) / n;
    const variance = zs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expectClose(mean, 0, 0.03);
    expectClose(variance, 1, 0.05);
  });

  it("draws integers within inclusive bounds", function () {
    const rng = new Rng("ints");
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(2, 5));
    expect([...seen].sort()).to.deep.equal([2, 3, 4, 5]);
  });
});
