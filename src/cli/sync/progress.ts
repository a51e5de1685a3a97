/**
 * Progress of `syvain-otel sync` on stderr: one redrawn bar on a terminal; on anything else (a CI
 * log, a file) a plain line now and then, since carriage returns make a log unreadable.
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
  return {
    update(source, p) {
      const complete = p.totalEvents > 0 && p.sentEvents >= p.totalEvents;
      if (!complete && now() - last < interval) return;
      last = now();
      const percent = p.totalEvents === 0 ? 100 : Math.floor((100 * p.sentEvents) / p.totalEvents);
      const counts = `${p.sentEvents}/${p.totalEvents} events, ${p.experiments} experiment${p.experiments === 1 ? "" : "s"}`;
      if (out.isTTY !== true) {
        out.write(`syvain-otel sync: ${source}: ${counts} (${percent}%)\n`);
        return;
      }
      const filled = Math.round((BAR_WIDTH * percent) / 100);
      const line = `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}% ${counts} ${source}`;
      out.write(`\r\x1b[K${line.slice(0, Math.max(20, (out.columns ?? 80) - 1))}`);
      drawn = true;
    },
    finish() {
      if (drawn) out.write("\n");
      drawn = false;
      last = -Infinity;
    },
  };
}
