/**
 * First pass over a JSONL file: which experiments it describes, each one's last status, and how
 * many events lie past the settled offset, per experiment and kind. Enough for `--dry-run`, for
 * the progress total, and for the upload (experiment records come before the offset too, so the
 * whole file is read; event lines before it are recognised by their prefix and not parsed).
 */
import type { ExperimentStatus } from "../../api/contract.ts";
import type { ExperimentSpec } from "../../mapping/experiment.ts";
import { readJsonlLines } from "./jsonl-lines.ts";
import { parseRecord } from "./jsonl-records.ts";

export interface ExperimentPlan {
  slug: string;
  /** From its `experiment` record; absent when the file has none (then created with the slug alone). */
  spec?: ExperimentSpec;
  metric: number;
  annotation: number;
  /** The last status record, and where its line starts. */
  status?: { status: ExperimentStatus; start: number };
  /** Its `experiment` record lies past the offset: to create even if it has no event (as the live path would have). */
  unsettled: boolean;
}

export interface FilePlan {
  experiments: Map<string, ExperimentPlan>;
  /** Events past the offset. */
  events: number;
  /** Where the settled part will end: the file's end, or the start of a torn last line. */
  end: number;
  /** Line number of the line starting at the offset (for messages during the upload). */
  lineAtOffset: number;
  /** A last line without its newline: skipped (a crash mid-write, or a writer still writing). */
  tornLine?: number;
}

// Our writers serialise `type` first, so an event line is known without parsing it.
const EVENT_PREFIXES = ['{"type":"metric"', '{"type":"annotation"'];

export async function planFile(path: string, offset: number): Promise<FilePlan> {
  const experiments = new Map<string, ExperimentPlan>();
  const plan: FilePlan = { experiments, events: 0, end: offset, lineAtOffset: 1 };
  const entry = (slug: string): ExperimentPlan => {
    let found = experiments.get(slug);
    if (found === undefined) experiments.set(slug, (found = { slug, metric: 0, annotation: 0, unsettled: false }));
    return found;
  };
  for await (const line of readJsonlLines(path)) {
    if (line.start === offset) plan.lineAtOffset = line.number;
    if (line.torn) {
      plan.tornLine = line.number;
      break;
    }
    plan.end = line.end;
    const settled = line.end <= offset;
    if (settled && EVENT_PREFIXES.some((prefix) => line.text.startsWith(prefix))) continue;
    const record = parseRecord(line.text);
    // Bad lines are named by the upload pass (past the offset) or already were (before it).
    if (typeof record === "string") continue;
    if (record.type === "experiment") {
      const target = entry(record.slug);
      target.spec ??= record.spec; // several runs may append to one file: the first description wins, as on the server
      if (!settled) target.unsettled = true;
    } else if (record.type === "status") {
      entry(record.slug).status = { status: record.status, start: line.start };
    } else if (!settled) {
      entry(record.slug)[record.type]++;
      plan.events++;
    }
  }
  return plan;
}
