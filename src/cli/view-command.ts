/**
 * `syvain-otel view <file>`: opens the experiment viewer on saved data (an emulator `--data-file`
 * or a JSONL file), read-only, on 127.0.0.1, until SIGINT/SIGTERM.
 */
import { SyvainValidationError } from "../api/errors.ts";
import { loadViewerFile } from "../testing/viewer/load-file.ts";
import { startViewerServer } from "../testing/viewer/viewer-server.ts";

const HELP = `usage: syvain-otel view <file> [--port N]

Shows the experiments of an emulator --data-file or a JSONL file (JsonlCollector, the OTel
exporters' JSONL destination, bridge --jsonl) in a local web page on 127.0.0.1.

options:
  --port N   port (default 0: a free port, printed at start)
  --help     show this help
`;

function parse(argv: readonly string[]): { file: string; port: number } {
  let file: string | undefined;
  let port = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--port" || arg.startsWith("--port=")) {
      const raw = arg === "--port" ? argv[++i] : arg.slice(7);
      port = Number(raw);
      if (raw === undefined || raw === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new SyvainValidationError("port", raw, `syvain-otel view: --port must be an integer from 0 to 65535 (got ${JSON.stringify(raw ?? null)})`, "config");
      }
    } else if (arg.startsWith("--")) {
      throw new SyvainValidationError(arg.slice(2), arg, `syvain-otel view: unknown option ${arg} (see --help)`, "config");
    } else if (file === undefined) file = arg;
    else throw new SyvainValidationError("argv", arg, `syvain-otel view: one file only (got ${JSON.stringify(file)} and ${JSON.stringify(arg)})`, "config");
  }
  if (file === undefined) throw new SyvainValidationError("file", undefined, "syvain-otel view: which file? (see --help)", "config");
  return { file, port };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  let loaded;
  let port: number;
  try {
    const args = parse(argv);
    port = args.port;
    loaded = await loadViewerFile(args.file);
  } catch (error) {
    if (!(error instanceof SyvainValidationError) && !(error instanceof Error && error.message.includes("not an emulator data file"))) throw error;
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
