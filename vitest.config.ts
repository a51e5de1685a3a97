import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["syvain-source"] },
  ssr: { resolve: { conditions: ["syvain-source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: "forks",
    restoreMocks: true,
    // The Collector and the bridge command spool by default (per-user state dir): tests opt in
    // with their own directory.
    env: { SYVAIN_SPOOL_DIR: "off", SYVAIN_BRIDGE_SPOOL_DIR: "off" },
    reporters: ["default", "./test/summary-reporter.ts"],
    // One temporary directory per run, removed at its end (test/global-tmpdir.ts).
    globalSetup: ["./test/global-tmpdir.ts"],
  },
});
