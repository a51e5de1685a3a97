/**
 * The totals already exported at each step of an experiment's stepped Sum (counter) series.
 *
 * A stepped point's id is (series, step), with no value (event-id.ts), so Syvain keeps the first
 * value exported at a step and drops later ones as duplicates. A counter is a running total at every
 * collection, so a counter recorded at one step across several collections exported 100, then 200,
 * then 300 at that step, and Syvain kept 100, reported only as harmless duplicates (outside review
 * 14). The mapping now tells those restated totals from true re-exports (same value) and drops them
 * loudly. Only Sum points: a gauge is recorded once per step by design (docs/otel.md, "One value per
 * step"), and a look-up per gauge point would cost the hot path. Pure state, no I/O: its owner keeps
 * one per experiment across exports.
 */

/** Ids remembered per experiment; past it the memory starts over (a restated total then goes to Syvain, which keeps the first). */
const MAX_REMEMBERED = 100_000;

/** What a stepped Sum point is to what was exported before: send it, drop it as a restatement (said), or drop a restatement already said. */
export type SteppedSumVerdict = { send: true } | { send: false; first: number; said: boolean };

const SEND: SteppedSumVerdict = { send: true };

export class SteppedSumValues {
  /** Made at the first stepped Sum point: most experiments have none. */
  #values: Map<string, number> | undefined;
  /** The restated total last said per id: a periodic reader exports it again every interval, said once. */
  #said: Map<string, number> | undefined;

  /**
   * `send`: the first total at its id (remembered), or the same total again (a re-export Syvain
   * drops as a duplicate). Otherwise a restatement of the first total: `said` once per id and value.
   */
  judge(id: string, value: number): SteppedSumVerdict {
    const values = (this.#values ??= new Map<string, number>());
    const first = values.get(id);
    if (first === undefined) {
      if (values.size >= MAX_REMEMBERED) {
        values.clear();
        this.#said?.clear();
      }
      values.set(id, value);
      return SEND;
    }
    if (first === value) return SEND;
    const said = (this.#said ??= new Map<string, number>());
    const before = said.get(id);
    said.set(id, value);
    return { send: false, first, said: before === value };
  }
}
