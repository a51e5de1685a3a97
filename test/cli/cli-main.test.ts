/** `syvain-otel` itself: version, help, and the listening flags both commands share. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bridgeCommand } from "../../src/cli/bridge-command.ts";
import { emulatorCommand } from "../../src/cli/emulator-command.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = (args: string[]) =>
  spawnSync(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", ...args], { cwd: root, env: { PATH: process.env.PATH }, encoding: "utf8", timeout: 30_000 });
const { version } = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string };

describe("syvain-otel", () => {
  it("prints its version with --version and -v", () => {
    for (const flag of ["--version", "-v"]) expect([cli([flag]).status, cli([flag]).stdout]).toEqual([0, `syvain-otel ${version}\n`]);
  });

  it("has a help command, for itself and for each command", () => {
    const help = cli(["help"]);
    expect([help.status, help.stdout]).toEqual([0, expect.stringContaining("--version")]);
    const bridge = cli(["help", "bridge"]);
    expect([bridge.status, bridge.stdout]).toEqual([0, expect.stringContaining("usage: syvain-otel bridge [options]")]);
  });

  it("listens with --bind ADDR and --port N in both commands", () => {
    for (const command of [bridgeCommand, emulatorCommand]) {
      const names = command.flags.filter((f) => f.replacedBy === undefined).map((f) => `--${f.name} ${f.placeholder}`);
      expect(names).toEqual(expect.arrayContaining(["--bind ADDR", "--port N"]));
    }
  });

  it("emulator: --host still works for one release, with a deprecation line", () => {
    const run = cli(["emulator", "--host", "127.0.0.1", "--port", "http"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--host is deprecated and will be removed; use --bind");
  });
});
