/**
 * The layers of the TypeScript side: scripts/lib is the infrastructure layer and imports nothing above it
 * (only itself, the compiled types and Ignition's modules); production code never imports from test/; and
 * no import cycle joins production modules.
 */
import { expect } from "chai";
import path from "node:path";
import {
  PRODUCTION_FOLDERS,
  importCycles,
  importGraph,
  readText,
  typeScriptFiles,
} from "./measure.js";

/** Where scripts/lib may import from: itself, the generated contract types and Ignition's modules. */
const LIB_MAY_IMPORT = ["scripts/lib/", "typechain-types/", "ignition/modules/"];

const posix = (file: string) => file.split(path.sep).join("/");

function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  return [...graph]
    .filter(([file]) => posix(file).startsWith("scripts/lib/"))
    .flatMap(([file, targets]) =>
      targets
        .map(posix)
        .filter((target) => !LIB_MAY_IMPORT.some((prefix) => target.startsWith(prefix)))
        .map((target) => `${posix(file)} -> ${target}`),
    );
}

function testImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  return [...graph].flatMap(([file, targets]) =>
    targets.filter((t) => posix(t).startsWith("test/")).map((t) => `${posix(file)} -> ${posix(t)}`),
  );
}

describe("house: layering", function () {
  const files = PRODUCTION_FOLDERS.flatMap((folder) => typeScriptFiles(folder));
  const graph = importGraph(files, readText);

  it("reads the imports of every production module", function () {
    expect(files.length).to.be.greaterThan(100);
    expect([...graph.values()].flat().length).to.be.greaterThan(300);
  });

  it("scripts/lib imports nothing above it", function () {
    expect(upwardImports(graph)).to.deep.equal([]);
  });

  it("no production module imports from test/", function () {
    expect(testImports(graph)).to.deep.equal([]);
  });

  it("no import cycle joins production modules", function () {
    expect(importCycles(graph).map((cycle) => cycle.map(posix).join(" -> "))).to.deep.equal([]);
  });

  it("would see an upward import, an import from test/ and a cycle", function () {
    const made = new Map<string, string>([
      ["scripts/lib/a.ts", `import { b } from "../sim/b.js";`],
      ["scripts/sim/b.ts", `import { a } from "../lib/a.js";\nimport "../../test/helpers/x.js";`],
    ]);
    const madeGraph = importGraph([...made.keys()], (file) => made.get(file)!);
    expect(upwardImports(madeGraph)).to.deep.equal(["scripts/lib/a.ts -> scripts/sim/b.ts"]);
    expect(testImports(madeGraph)).to.deep.equal(["scripts/sim/b.ts -> test/helpers/x.ts"]);
    expect(importCycles(madeGraph)).to.deep.equal([
      ["scripts/lib/a.ts", "scripts/sim/b.ts", "scripts/lib/a.ts"],
    ]);
  });
});
