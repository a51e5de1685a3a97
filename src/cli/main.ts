#!/usr/bin/env node
/**
 * `syvain-otel <command>`: each command lives in its own module, loaded only when asked for, so
 * `syvain-otel emulator` does not pay for the bridge's imports and vice versa.
 */
const commands: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  emulator: { summary: "run the local Syvain Metrics emulator", load: () => import("./emulator-command.ts") },
  view: { summary: "open the experiment viewer on a data file or JSONL file", load: () => import("./view-command.ts") },
  bridge: { summary: "receive OTLP/HTTP and deliver it to Syvain Metrics", load: () => import("./bridge-command.ts") },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: syvain-otel <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun 'syvain-otel <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`syvain-otel: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
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
