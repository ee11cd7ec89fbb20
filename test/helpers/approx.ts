import { expect } from "chai";

// Float assertions that do not go through chai's closeTo/within: hardhat-ethers-chai-matchers overrides
// those for bigints once any test loads the plugin, and then rejects non-integer numbers.

/** Asserts |actual - expected| <= tolerance. */
export function expectClose(actual: number, expected: number, tolerance: number): void {
  expect(
    Math.abs(actual - expected) <= tolerance,
    `expected ${actual} to be within ${tolerance} of ${expected}`,
  ).to.equal(true);
}

/** Asserts low <= actual <= high. */
export function expectWithin<T extends number | bigint>(actual: T, low: T, high: T): void {
  expect(actual >= low && actual <= high, `expected ${actual} to be in [${low}, ${high}]`).to.equal(
    true,
  );
}
