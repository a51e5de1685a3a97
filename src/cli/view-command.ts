/**
 * `syvain-otel view FILE`: opens the experiment viewer on saved data (an emulator `--data-file`
 * or a JSONL file), read-only, on 127.0.0.1, until SIGINT/SIGTERM.
 */
import { z } from "zod";
import { SyvainValidationError } from "../api/errors.ts";
import { viewCliDefaults as v } from "../config/defaults.ts";
import { loadViewerFile } from "../testing/viewer/load-file.ts";
import { startViewerServer } from "../testing/viewer/viewer-server.ts";
import { collectFlags, renderHelp, validateFlags, wholeNumber, type Command } from "./cli-flags.ts";

export const viewCommand: Command = {
  name: "syvain-otel view",
  positionals: [{ name: "file", placeholder: "FILE", description: "an emulator --data-file, or a JSONL file" }],
  flags: [{ name: "port", placeholder: "N", default: v.port.default, example: "8080", description: "port to listen on (0 = any free port, printed at start)" }],
};

const HELP = renderHelp(
  viewCommand,
  "Shows the experiments of an emulator --data-file or a JSONL file (JsonlCollector, the OTel\nexporters' JSONL destination, bridge --jsonl) in a local web page on 127.0.0.1.",
);

const flagsSchema = z.strictObject({
  file: z.string({ error: "missing; give the path of an emulator data file or a JSONL file" }).min(1, "must not be empty"),
  port: wholeNumber(0, 65535).default(v.port.default),
});

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  let loaded;
  let port: number;
  try {
    const args = validateFlags(viewCommand, flagsSchema, collectFlags(viewCommand, argv, {}));
    port = args.port;
    loaded = await loadViewerFile(args.file);
  } catch (error) {
    if (!(error instanceof SyvainValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const server = await startViewerServer(loaded.store, { port });
  const count = loaded.store.ordered.length;
  process.stdout.write(
    `Syvain viewer: ${count} experiment${count === 1 ? "" : "s"} from the ${loaded.format === "jsonl" ? "JSONL file" : "data file"}` +
      `${loaded.truncatedLastLine ? " (its cut-short last line left out)" : ""}\nopen ${server.url}\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  process.stdout.write(`syvain-otel view: ${signal}, stopped\n`);
  return 0;
}
