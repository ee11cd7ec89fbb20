import { expect } from "chai";
import { parseScenario, type Fault } from "../../scripts/scenario/schema.js";
import { faultObservationsOf } from "../../scripts/sim/faultObservations.js";
import type { HouseholdRuntime, SlotRuntime } from "../../scripts/sim/state.js";

const METER = "0x00000000000000000000000000000000000000aa";
const SLOTS = 4;

/** One household's meter over four slots: which slots have a reading on chain, which were refused. */
function observe(
  fault: Fault,
  options: { kind: "consumer" | "prosumer"; soldWh: bigint; recorded: number[]; rejected?: string },
) {
  const scenario = { ...parseScenario({ households: 1 }), faults: [fault] };
  const slots = Array.from({ length: SLOTS }, (_, s) => ({
    recorded: new Map(options.recorded.includes(s) ? [[METER, { exportedWh: 1 }]] : []),
    rejected: new Map(
      options.rejected && !options.recorded.includes(s) ? [[METER, options.rejected]] : [],
    ),
  })) as unknown as SlotRuntime[];
  const household = {
    index: 1,
    meter: { address: METER },
    series: { spec: { kind: options.kind }, forecast: [], actual: [] },
  } as unknown as HouseholdRuntime;
  // A sale without a reading is all shortfall, as the market settles it.
  const flows = new Map([
    [
      1,
      Array.from({ length: SLOTS }, (_, s) => {
        const short = !options.recorded.includes(s) ? options.soldWh : 0n;
        return { soldWh: options.soldWh, shortfallWh: short, penalty: short * 50n };
      }),
    ],
  ]);
  return faultObservationsOf(
    { scenario, slots, households: [household], readingWindowSeconds: 900 },
    flows,
  )[0]!;
}

describe("sim: fault observations", function () {
  it("meterOffline: counts the readings missing on chain and the seller's sales that fell short", function () {
    const o = observe(
      { type: "meterOffline", household: 1, fromSlot: 1, toSlot: 2 },
      { kind: "prosumer", soldWh: 300n, recorded: [0, 3] },
    );
    expect(o).to.include({ ok: true, injected: true, slots: "1-2" });
    expect(o.observed).to.match(
      /^2 of 2 readings missing on chain \(none sent\), 0 recorded; its 600 Wh sold settled as 600 Wh shortfall, penalties /,
    );
  });

  it("meterOffline: says why a household that sold nothing shows no market effect", function () {
    const o = observe(
      { type: "meterOffline", household: 1, fromSlot: 1, toSlot: 1 },
      { kind: "consumer", soldWh: 0n, recorded: [0, 2, 3] },
    );
    expect(o.ok).to.equal(true);
    expect(o.observed).to.contain(
      "no market effect: the consumer sold nothing in these slots, and only sales are settled against readings",
    );
  });

  it("meterOffline: not observed when a reading of the offline meter is on chain", function () {
    const o = observe(
      { type: "meterOffline", household: 1, fromSlot: 1, toSlot: 2 },
      { kind: "prosumer", soldWh: 300n, recorded: [0, 1, 3] },
    );
    expect(o.ok).to.equal(false);
  });

  it("lateReadings: refused past the window, and the seller's sales fell short", function () {
    const o = observe(
      { type: "lateReadings", household: 1, delaySlots: 2, fromSlot: 2, toSlot: 3 },
      {
        kind: "prosumer",
        soldWh: 100n,
        recorded: [0, 1],
        rejected: "RegistryReadingWindowClosed",
      },
    );
    expect(o).to.include({ ok: true, injected: true });
    expect(o.observed).to.match(
      /^2 of 2 refused as RegistryReadingWindowClosed, 0 recorded; its 200 Wh sold settled as 200 Wh shortfall/,
    );
  });

  it("a fault whose slots are all outside the run is 'not injected', not 'ok'", function () {
    const o = observe(
      { type: "lateReadings", household: 1, delaySlots: 2, fromSlot: 30, toSlot: 36 },
      { kind: "prosumer", soldWh: 100n, recorded: [0, 1, 2, 3] },
    );
    expect(o.injected).to.equal(false);
    expect(o.observed).to.equal("not injected: its slots 30-36 are outside the run's slots 0-3");
  });
});
