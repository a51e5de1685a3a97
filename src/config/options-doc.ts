/**
 * `docs/options.md` as text, from the tables in `defaults.ts`: written by
 * `npm run docs:options`, compared with the file by a test so the docs cannot drift.
 */
import { optionTables, type OptionDoc } from "./defaults.ts";

/** `|` would end a markdown table cell. */
const cell = (text: string): string => text.replaceAll("|", "\\|");

function shownDefault(option: OptionDoc): string {
  if (option.default === undefined) return "—";
  if (option.default === "") return '`""`';
  return `\`${typeof option.default === "string" ? JSON.stringify(option.default) : String(option.default)}\``;
}

export function renderOptionsDoc(): string {
  const sections = optionTables.map(({ title, api, table }) => {
    const rows = Object.entries(table).map(
      ([name, option]) =>
        `| \`${name}\` | \`${cell(option.type)}\` | ${shownDefault(option)} | ${option.env === undefined ? "—" : `\`${option.env}\``} | ${cell(option.description)} |`,
    );
    return [`## ${title}`, "", `For ${api}.`, "", "| Option | Type | Default | Environment | Description |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
  });
  return [
    "# Options",
    "",
    "<!-- Generated from src/config/defaults.ts by `npm run docs:options`; do not edit by hand. -->",
    "",
    "An option that is given wins over its environment variable. A bad value throws a `SyvainValidationError` naming the API you called and the option, e.g. ``createBridge: invalid option `syvain.maxQueueItems` ``.",
    "",
    sections.join("\n\n"),
    "",
  ].join("\n");
}
