/**
 * Progress of `syvain-otel sync` on stderr: one redrawn bar on a terminal; on anything else (a CI
 * log, a file) a plain line at most every 5 s and a final one (`finish()`), since carriage returns
 * make a log unreadable and a line per batch floods it.
 */
import type { SyncProgress } from "./sync-source.ts";

export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressReporter {
  update(source: string, progress: SyncProgress): void;
  /** Ends the bar's line (a terminal), so what follows starts on its own. */
  finish(): void;
}

const BAR_WIDTH = 24;
/** Terminal redraws at most this often: a fast upload would otherwise spend its time drawing. */
const REDRAW_MS = 100;

export function createProgressReporter(out: ProgressOutput, options: { now?: () => number; plainIntervalMs?: number } = {}): ProgressReporter {
  const now = options.now ?? Date.now;
  const interval = out.isTTY === true ? REDRAW_MS : (options.plainIntervalMs ?? 5000);
  let last = -Infinity;
  let drawn = false;
  /** Plain output: the latest state not printed yet (throttled), for the final line. */
  let unprinted: { source: string; p: SyncProgress } | undefined;
  const plainLine = (source: string, p: SyncProgress): void => {
    out.write(`syvain-otel sync: ${source}: ${countsOf(p)} (${percentOf(p)}%)\n`);
  };
  return {
    update(source, p) {
      if (out.isTTY !== true) {
        if (now() - last < interval) {
          unprinted = { source, p };
          return;
        }
        last = now();
        unprinted = undefined;
        plainLine(source, p);
        return;
      }
      if (percentOf(p) < 100 && now() - last < interval) return;
      last = now();
      const percent = percentOf(p);
      const counts = countsOf(p);
      const filled = Math.round((BAR_WIDTH * percent) / 100);
      const line = `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}% ${counts} ${source}`;
      out.write(`\r\x1b[K${line.slice(0, Math.max(20, (out.columns ?? 80) - 1))}`);
      drawn = true;
    },
    finish() {
      if (unprinted !== undefined) plainLine(unprinted.source, unprinted.p);
      unprinted = undefined;
      if (drawn) out.write("\n");
      drawn = false;
      last = -Infinity;
    },
  };
}

function percentOf(p: SyncProgress): number {
  const [done, total] = p.bytes === undefined ? [p.sentEvents, p.totalEvents] : [p.bytes.read, p.bytes.total];
  return total === 0 ? 100 : Math.min(100, Math.floor((100 * done) / total));
}

function countsOf(p: SyncProgress): string {
  const experiments = `${p.experiments} experiment${p.experiments === 1 ? "" : "s"}`;
  if (p.bytes === undefined) return `${p.sentEvents}/${p.totalEvents} events, ${experiments}`;
  return `${p.sentEvents} events sent, ${mebibytes(p.bytes.read)} of ${mebibytes(p.bytes.total)} read, ${experiments}`;
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
