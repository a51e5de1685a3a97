/** `syvain-otel view FILE` on the shared flag table: its positional argument, its errors, its generated help. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SyvainValidationError } from "../../src/api/errors.ts";
import { collectFlags, validateFlags, wholeNumber, type Command } from "../../src/cli/cli-flags.ts";
import { viewCommand } from "../../src/cli/view-command.ts";
import { z } from "zod";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = (args: string[]) =>
  spawnSync(process.execPath, ["--conditions=syvain-source", "src/cli/main.ts", ...args], { cwd: root, env: { PATH: process.env.PATH }, encoding: "utf8", timeout: 30_000 });

const schema = z.strictObject({ file: z.string({ error: "missing" }), port: wholeNumber(0, 65535).default(0) });
const parse = (argv: string[]) => validateFlags(viewCommand, schema, collectFlags(viewCommand, argv, {}));

describe("positional arguments in the flag table", () => {
  it("puts the file under its name, before or after the flags", () => {
    expect(parse(["runs.jsonl"])).toEqual({ file: "runs.jsonl", port: 0 });
    expect(parse(["--port", "8080", "runs.jsonl"])).toEqual({ file: "runs.jsonl", port: 8080 });
    expect(parse(["runs.jsonl", "--port=9"])).toEqual({ file: "runs.jsonl", port: 9 });
  });

  it("a second file is a usage error naming it", () => {
    expect(() => parse(["a.jsonl", "b.jsonl"])).toThrow(/unexpected argument b\.jsonl: expects FILE only/);
  });

  it("a missing file is named by its placeholder, with no made-up value", () => {
    expect(() => parse([])).toThrow(new SyvainValidationError("file", undefined, "syvain-otel view: FILE: missing", "config").message);
  });

  it("a command without positionals still refuses bare arguments", () => {
    const command: Command = { name: "syvain-otel x", flags: [] };
    expect(() => collectFlags(command, ["stray"], {})).toThrow(/unexpected argument stray: options start with --/);
  });
});

describe("syvain-otel view", () => {
  it("has a generated help: the usage names FILE, an arguments section explains it", () => {
    const help = cli(["help", "view"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage: syvain-otel view FILE [options]");
    expect(help.stdout).toMatch(/arguments:\n {2}FILE +an emulator --data-file, or a JSONL file/);
    expect(help.stdout).toMatch(/--port N +port to listen on .*\(default 0\)/);
  });

  it.each([
    [["view", "--port", "x", "f.jsonl"], 'syvain-otel view: --port "x" (string): must be a whole number from 0 to 65535; e.g. --port 8080'],
    [["view"], "syvain-otel view: FILE: missing; give the path of an emulator data file or a JSONL file"],
    [["view", "--bogus", "f.jsonl"], "syvain-otel view: unknown option '--bogus'"],
  ])("%j exits 2 with one line saying what is wrong", (args, message) => {
    const run = cli(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("a file that looks like a data file but is not one exits 2 with one line naming it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "syvain-view-"));
    try {
      const file = path.join(dir, "data.json");
      writeFileSync(file, JSON.stringify({ version: 7, experiments: "none" }));
      const run = cli(["view", file]);
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toContain(`${file} is not an emulator data file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
