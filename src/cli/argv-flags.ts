/** The command line of a `syvain-otel` command: `--name value` and `--name=value` pairs, in order. */
import { SyvainValidationError } from "../api/errors.ts";

/**
 * Yields each flag's name and value. `command` prefixes the errors (`syvain-otel bridge`);
 * `unknown` makes the error for a name not in `known`, so each command words its own hint.
 */
export function* flagPairs(
  argv: readonly string[],
  command: string,
  known: ReadonlySet<string>,
  unknown: (name: string, arg: string) => SyvainValidationError,
): Generator<[name: string, value: string]> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--")) throw new SyvainValidationError("argv", arg, `${command}: unexpected argument ${JSON.stringify(arg)}`, "config");
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!known.has(name)) throw unknown(name, arg);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new SyvainValidationError(name, undefined, `${command}: option --${name} needs a value`, "config");
    yield [name, value];
  }
}
