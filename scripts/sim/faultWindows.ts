/** Which of the scenario's injected faults applies to a household in a slot. */
import type { Fault } from "../scenario/schema.js";

function inWindow(f: { fromSlot: number; toSlot: number }, slot: number): boolean {
  return slot >= f.fromSlot && slot <= f.toSlot;
}

/** The first fault of `type` aimed at `household` whose window holds `slot`. */
export function faultFor<T extends Fault["type"]>(
  faults: readonly Fault[],
  type: T,
  household: number,
  slot: number,
): Extract<Fault, { type: T }> | undefined {
  return faults.find(
    (f): f is Extract<Fault, { type: T }> =>
      f.type === type && "household" in f && f.household === household && inWindow(f, slot),
  );
}
