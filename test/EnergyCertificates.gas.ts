import { expect } from "chai";
import { measureCertificates } from "../bench/certificatesSection.js";
import { ethers, networkHelpers } from "./EnergyCertificates.setup.js";

describe("EnergyCertificates gas", function () {
  it("reports issuance and retirement figures against the issue's targets", async function () {
    const figures = await measureCertificates(ethers, async (t) => {
      await networkHelpers.time.increaseTo(t);
    });
    const gas = Object.fromEntries(figures.map((f) => [f.key, f.gas]));
    for (const f of figures) {
      const mark =
        f.target === undefined
          ? ""
          : f.gas <= f.target
            ? `  <= ${f.target} ok`
            : `  > ${f.target} MISSED`;
      console.log(
        `      ${f.key.padEnd(46)} ${String(f.gas).padStart(7)}${f.unit ? ` / ${f.unit}` : ""}${mark}`,
      );
    }
    // What the contract adds per holder over OpenZeppelin's plain mint must stay within the targets.
    expect(gas["certificates.hook.perBuyer.existingHolder"]).to.be.at.most(35_000);
    expect(gas["certificates.hook.perBuyer.newHolder"]).to.be.at.most(55_000);
    expect(gas["certificates.issueBatch.existingHolder"]).to.be.at.most(35_000);
    expect(gas["certificates.retire.existingBeneficiary"]).to.be.at.most(35_000);
    expect(gas["certificates.retire.newBeneficiary"]).to.be.at.most(35_000);
  });
});
