import { expect } from "chai";
import { Progress, progressBar, type ProgressStream } from "../../scripts/lib/progress.js";

function capture(isTTY: boolean): ProgressStream & { text: string } {
  const stream = {
    isTTY,
    columns: 120,
    text: "",
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream;
}

describe("progress", function () {
  it("draws a bar proportional to the work done", function () {
    expect(progressBar(0, 4, 8)).to.equal("[--------]");
    expect(progressBar(2, 4, 8)).to.equal("[####----]");
    expect(progressBar(4, 4, 8)).to.equal("[########]");
  });

  it("rewrites one live line on a terminal", function () {
    const out = capture(true);
    const p = new Progress("slots", 2, { stream: out });
    p.update(1, "a");
    p.update(2, "b");
    p.finish("done");
    expect(out.text.split("\n")).to.have.lengthOf(2);
    expect(out.text).to.contain("\r\x1b[2K");
    expect(out.text).to.match(/done\n$/);
  });

  it("prints plain lines, without control characters, when not on a terminal", function () {
    const out = capture(false);
    const p = new Progress("slots", 2, { stream: out });
    p.update(1, "a");
    p.update(2, "b");
    p.finish();
    expect(out.text).to.equal("slots 1/2 a\nslots 2/2 b\n");
  });
});
