/**
 * The exit watchdog: when only our own uploads hold the event loop, the `beforeExit` ending of the
 * exit-only participants (the flushOnExit net) starts without waiting for the loop to empty. The
 * child-process proof (a quiet script against a server that never answers) is in
 * `exit-deadlines.test.ts`; here, the judgement on resource lists and the registry's use of it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { onlyOurRequestsRemain } from "../../src/facade/exit-watchdog.ts";
import { ProcessHooks, type ProcessEnd } from "../../src/facade/process-hooks.ts";
import { FakeProcess } from "./helpers.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("onlyOurRequestsRemain", () => {
  // What a quiet script with two hung uploads shows, stdout a pipe (observed on Node 24).
  const twoUploads = ["TCPSocketWrap", "TCPSocketWrap", "PipeWrap", "Timeout", "Timeout"];

  it("our sockets and attempt timers, with stdio as a pipe, a terminal or a file: finished", () => {
    expect(onlyOurRequestsRemain(twoUploads, 2)).toBe(true);
    expect(onlyOurRequestsRemain(["TTYWrap", "TTYWrap", "TCPSocketWrap", "Timeout"], 1)).toBe(true);
    expect(onlyOurRequestsRemain(["TCPSocketWrap", "ConnectWrap", "Timeout"], 1)).toBe(true);
  });

  it.each([
    ["a user timer", [...twoUploads, "Timeout"]],
    ["a user socket", [...twoUploads, "TCPSocketWrap"]],
    ["a listening server", [...twoUploads, "TCPServerWrap"]],
    ["an immediate", [...twoUploads, "Immediate"]],
    ["a file request", [...twoUploads, "FSReqCallback"]],
    ["a DNS lookup", [...twoUploads, "GetAddrInfoReqWrap"]],
    ["a fourth stdio-like handle", [...twoUploads, "PipeWrap", "PipeWrap", "PipeWrap"]],
  ])("%s besides our two uploads: still at work", (_label, resources) => {
    expect(onlyOurRequestsRemain(resources, 2)).toBe(false);
  });

  it("no socket (the loop empties by itself) or no request of ours: not our call", () => {
    expect(onlyOurRequestsRemain(["Timeout"], 1)).toBe(false);
    expect(onlyOurRequestsRemain([], 1)).toBe(false);
    expect(onlyOurRequestsRemain(["TCPSocketWrap", "Timeout"], 0)).toBe(false);
  });
});

describe("the watchdog in the process hooks", () => {
  function setup(idle: { value: boolean }) {
    vi.useFakeTimers();
    const fake = new FakeProcess();
    const hooks = new ProcessHooks({ target: fake, marginMs: 50, idleProbe: () => idle.value, idleCheckMs: 100 });
    const log: string[] = [];
    const participant = (name: string) => ({
      deadlineMs: 1000,
      onProcessEnd: (end: ProcessEnd) => Promise.resolve(void log.push(`${name} ${end.kind}`)),
    });
    return { fake, hooks, log, participant };
  }

  it("ends only the exit-only participants once the probe says so; a run's hooks stay", async () => {
    const idle = { value: false };
    const { fake, hooks, log, participant } = setup(idle);
    hooks.register(participant("net"), { exitOnly: true });
    hooks.register(participant("run"));
    await vi.advanceTimersByTimeAsync(500);
    expect(log).toEqual([]);
    idle.value = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(log).toEqual(["net exit"]);
    // The net had its one call; the run keeps its signal and exit listeners.
    expect(hooks.size).toBe(1);
    expect(fake.listenerCount("SIGTERM")).toBe(1);
    expect(fake.listenerCount("beforeExit")).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(log).toEqual(["net exit"]);
  });

  it("polls only while an exit-only participant waits", async () => {
    let probes = 0;
    vi.useFakeTimers();
    const hooks = new ProcessHooks({ target: new FakeProcess(), idleProbe: () => (probes++, false), idleCheckMs: 100 });
    const off = hooks.register({ deadlineMs: 1000, onProcessEnd: () => Promise.resolve() }, { exitOnly: true });
    await vi.advanceTimersByTimeAsync(300);
    expect(probes).toBe(3);
    off();
    await vi.advanceTimersByTimeAsync(1000);
    expect(probes).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });
});
