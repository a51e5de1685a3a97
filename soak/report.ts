/** The soak's table: one row per source, then the server's view. */
import type { SourceReport } from "./ledger.ts";

const COLUMNS: [string, (r: SourceReport) => string][] = [
  ["source", (r) => r.source],
  ["sent", (r) => String(r.sent)],
  ["stored once", (r) => String(r.stored - r.storedTwice)],
  ["accepted", (r) => String(r.accepted)],
  ["dup. suppressed", (r) => String(r.duplicates)],
  ["dropped", (r) => String(r.dropped)],
  ["failed", (r) => String(r.failed)],
  ["pending", (r) => String(r.pending)],
  ["synced", (r) => String(r.synced)],
  ["left in spool", (r) => String(r.leftInSpool)],
  ["missing", (r) => String(r.missing)],
  ["stored twice", (r) => String(r.storedTwice)],
  ["unexpected", (r) => String(r.unexpected)],
  ["verdict", (r) => (r.ok ? "ok" : "FAIL")],
];

export function formatTable(reports: readonly SourceReport[]): string {
  const rows = reports.map((r) => COLUMNS.map(([, cell]) => cell(r)));
  const header = COLUMNS.map(([title]) => title);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const lines = [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  for (const r of reports) for (const reason of r.reasons) lines.push(`  ${r.source}: ${reason}`);
  return `${lines.join("\n")}\n`;
}
