#!/usr/bin/env node
/**
 * `syvain-otel <command>`: each command lives in its own module, loaded only when asked for, so
 * `syvain-otel emulator` does not pay for the bridge's imports and vice versa.
 */
import { readFileSync } from "node:fs";
import { nodeVersionProblem } from "../api/node-version.ts";

const commands: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  emulator: { summary: "run the local Syvain Metrics emulator", load: () => import("./emulator-command.ts") },
  view: { summary: "open the experiment viewer on a data file or JSONL file", load: () => import("./view-command.ts") },
  bridge: { summary: "receive OTLP/HTTP and deliver it to Syvain Metrics", load: () => import("./bridge-command.ts") },
  sync: { summary: "upload spool directories and JSONL files left behind, exactly once", load: () => import("./sync-command.ts") },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return (
    `usage: syvain-otel <command> [options]\n\ncommands:\n${lines.join("\n")}\n  ${"help".padEnd(10)} show this help, or a command's: syvain-otel help bridge\n\n` +
    `options:\n  -v, --version  print the version\n  -h, --help     show this help\n\nRun 'syvain-otel <command> --help' for a command's options.\n`
  );
}

/** The package's own version: package.json sits two levels up from both src/cli and dist/cli. */
function version(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  // Before any command module loads (one may need a newer Node to even link): one line, exit 1.
  const problem = nodeVersionProblem(process.versions.node);
  if (problem !== undefined) {
    process.stderr.write(`syvain-otel: ${problem}\n`);
    return 1;
  }
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") {
    process.stdout.write(`syvain-otel ${version()}\n`);
    return 0;
  }
  // `help <command>` is `<command> --help`.
  const [name, args] = first === "help" && rest[0] !== undefined ? [rest[0], ["--help"]] : [first, rest];
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`syvain-otel: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`syvain-otel: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
