/** `syvain-otel view <file>` and `syvain-otel emulator --no-ui` as real child processes. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../../../src/cli/main.ts", import.meta.url));

function startCli(args: string[], ready: RegExp) {
  const child = spawn(process.execPath, ["--conditions=syvain-source", main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, "exit") as Promise<[number | null, string | null]>;
  const match = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const found = ready.exec(stdout);
      if (found) resolve(found[1]!);
    });
    void exited.then(() => reject(new Error(`exited early: ${stderr}`)));
  });
  // A test that expects the exit awaits `exited`, not this.
  match.catch(() => undefined);
  return { child, match, exited, output: () => ({ stdout, stderr }) };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "viewer-cli-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("syvain-otel view", () => {
  it("serves a JSONL file's experiments on 127.0.0.1, read-only, and exits 0 on SIGTERM", async () => {
    const file = join(dir, "runs.jsonl");
    const lines = [
      { type: "experiment", experiment: "from-jsonl", id: "local-1", slug: "from-jsonl", metadata: { lr: 0.1 }, status: "created", created_at: 1 },
      { type: "metric", experiment: "from-jsonl", client_event_id: "m1", name: "loss", value: 1, step: 0, timestamp: 1000, metadata: {} },
    ];
    await writeFile(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    const view = startCli(["view", file], /open (http:\/\/127\.0\.0\.1:\d+\/)/);
    const url = await view.match;
    expect(view.output().stdout).toContain("1 experiment from the JSONL file");
    const list = (await (await fetch(`${url}_viewer/api/experiments`)).json()) as { experiments: { slug: string; points: number }[] };
    expect(list.experiments).toMatchObject([{ slug: "from-jsonl", points: 1 }]);
    expect((await fetch(`${url}_viewer/api/experiments`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${url}api/v1/experiments`)).status).toBe(404);
    view.child.kill("SIGTERM");
    expect((await view.exited)[0]).toBe(0);
  });

  it("exits 2 with the file and line named for a bad file", async () => {
    const file = join(dir, "bad.jsonl");
    await writeFile(file, "{\"type\":\"metric\"}\n");
    const view = startCli(["view", file], /(never)/);
    expect((await view.exited)[0]).toBe(2);
    expect(view.output().stderr).toContain(`${file} line 1`);
  });
});

describe("syvain-otel emulator --no-ui", () => {
  it("prints the viewer URL by default, and serves no viewer with --no-ui", async () => {
    const withUi = startCli(["emulator"], /viewer: (\S+)/);
    const page = await withUi.match;
    expect((await fetch(page)).status).toBe(200);
    withUi.child.kill("SIGTERM");
    await withUi.exited;

    const noUi = startCli(["emulator", "--no-ui", "--port", "0"], /SYVAIN_METRICS_HOST=(\S+)/);
    const url = await noUi.match;
    expect(noUi.output().stdout).not.toContain("viewer:");
    expect((await fetch(`${url}/`)).status).toBe(401);
    noUi.child.kill("SIGTERM");
    expect((await noUi.exited)[0]).toBe(0);
  });
});
