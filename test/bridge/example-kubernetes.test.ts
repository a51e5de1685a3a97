/**
 * examples/kubernetes: every file parses as YAML, the bridge container names only flags and
 * environment variables `syvain-otel bridge` has, probes hit /healthz and /readyz, each replica
 * gets its own spool volume, and the gateway Collector routes by service.name to the headless
 * Service the sidecars listen behind. (Running them needs a cluster; this checks what drifts.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse } from "yaml";
import { API_KEY_ENV, HOST_ENV } from "../../src/api/contract.ts";
import { bridgeCommand } from "../../src/cli/bridge-command.ts";

const dir = fileURLToPath(new URL("../../examples/kubernetes/", import.meta.url));
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form manifests

const docs: Doc[] = readdirSync(dir)
  .filter((name) => name.endsWith(".yaml"))
  .flatMap((name) =>
    parseAllDocuments(readFileSync(`${dir}${name}`, "utf8")).map((doc) => {
      expect(doc.errors, name).toEqual([]);
      return doc.toJS() as Doc;
    }),
  );
const find = (kind: string, name: string): Doc => {
  const doc = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (doc === undefined) throw new Error(`no ${kind} ${name} in examples/kubernetes`);
  return doc;
};

describe("examples/kubernetes", () => {
  const statefulSet = find("StatefulSet", "syvain-bridge");
  const bridge = (statefulSet.spec.template.spec.containers as Doc[]).find((c) => c.name === "bridge")!;

  it("the bridge container names only flags and variables the CLI has", () => {
    const flags = new Set(bridgeCommand.flags.filter((f) => f.envOnly !== true).map((f) => `--${f.name}`));
    const given = (bridge.args as string[]).filter((arg) => arg.startsWith("--")).map((arg) => arg.split("=")[0]!);
    expect(given.length).toBeGreaterThan(0);
    for (const flag of given) expect(flags, flag).toContain(flag);
    const envs = new Set([...bridgeCommand.flags.map((f) => f.env), API_KEY_ENV, HOST_ENV]);
    for (const { name } of bridge.env as { name: string }[]) expect(envs, name).toContain(name);
  });

  it("runs the installed package's CLI with node (no npx: nothing fetched from the registry at start)", () => {
    const bin = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { bin: Record<string, string> }).bin["syvain-otel"]!;
    const [node, script, command] = bridge.command as string[];
    expect({ node, command }).toEqual({ node: "node", command: "bridge" });
    expect(script).toBe(`/app/node_modules/syvain-metrics-otel/${bin.replace(/^\.\//, "")}`);
  });

  it("each replica has its own spool volume, probes, and a grace period longer than the drain", () => {
    expect((statefulSet.spec.volumeClaimTemplates as Doc[]).map((t) => String(t.metadata.name))).toContain("spool");
    const mount = (bridge.volumeMounts as Doc[]).find((m) => m.name === "spool");
    // The bridge's spool directory is on that volume.
    expect((bridge.env as Doc[]).find((e) => e.name === "SYVAIN_BRIDGE_SPOOL_DIR")?.value).toBe(mount?.mountPath);
    expect([bridge.livenessProbe.httpGet.path, bridge.readinessProbe.httpGet.path]).toEqual(["/healthz", "/readyz"]);
    const args = bridge.args as string[];
    const drain = Number(args[args.indexOf("--shutdown-timeout") + 1]);
    expect(statefulSet.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(drain);
    find("Service", "syvain-bridge");
  });

  it("the gateway routes by service.name to the headless Service the sidecars listen behind", () => {
    const gateway = parse(String(find("ConfigMap", "syvain-gateway-collector").data["collector.yaml"])) as Doc;
    const lb = gateway.exporters.loadbalancing;
    expect(lb.routing_key).toBe("service");
    const headless = find("Service", "syvain-bridge-headless");
    expect(headless.spec.clusterIP).toBe("None");
    expect(lb.resolver.dns.hostname).toBe(headless.metadata.name);
    expect(Number(lb.resolver.dns.port)).toBe(headless.spec.ports[0].port);
    const sidecar = parse(String(find("ConfigMap", "syvain-bridge-sidecar").data["sidecar.yaml"])) as Doc;
    expect(sidecar.receivers.otlp.protocols.grpc.endpoint).toBe(`0.0.0.0:${headless.spec.ports[0].port}`);
    expect(sidecar.exporters["otlphttp/bridge"].endpoint).toBe(`http://127.0.0.1:${bridge.ports[0].containerPort}`);
  });
});
