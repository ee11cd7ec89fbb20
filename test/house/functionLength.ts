/**
 * No function of the production TypeScript (scripts/, tasks/, bench/, load/, fixtures/) is longer than
 * 120 lines: a long flow is a short function calling named steps (docs: STYLE.md, "module size").
 */
import { expect } from "chai";
import {
  PRODUCTION_FOLDERS,
  functionSpans,
  readText,
  typeScriptFiles,
  type FunctionSpan,
} from "./measure.js";

const MAX_LINES = 120;

const tooLong = (spans: readonly FunctionSpan[]) =>
  spans
    .filter((s) => s.lines > MAX_LINES)
    .map((s) => `${s.file}:${s.line} ${s.name} (${s.lines} lines)`);

describe("house: function length", function () {
  it(`measures a function's lines from its first line to its last`, function () {
    const body = Array.from({ length: MAX_LINES - 1 }, (_, i) => `  const x${i} = ${i};`).join(
      "\n",
    );
    const text = `export function long(): void {\n${body}\n  return;\n}\nconst short = () => 1;\n`;
    const spans = functionSpans("made-up.ts", text);
    expect(spans.map((s) => [s.name, s.lines])).to.deep.equal([
      ["long", MAX_LINES + 2],
      ["short", 1],
    ]);
    expect(tooLong(spans)).to.deep.equal([`made-up.ts:1 long (${MAX_LINES + 2} lines)`]);
  });

  it(`finds no function over ${MAX_LINES} lines in ${PRODUCTION_FOLDERS.join(", ")}`, function () {
    const spans = PRODUCTION_FOLDERS.flatMap((folder) => typeScriptFiles(folder)).flatMap((file) =>
      functionSpans(file, readText(file)),
    );
    expect(spans.length).to.be.greaterThan(500);
    expect(tooLong(spans)).to.deep.equal([]);
  });
});
