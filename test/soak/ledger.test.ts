/** The soak's verdict with a spool: sent = stored + dropped (counted) + left in spool, nothing more lenient. */
import { describe, expect, it } from "vitest";
import { checkSource, Ledger, metricKey, type ClientCounts } from "../../soak/ledger.ts";

const clean: ClientCounts = { accepted: 0, duplicates: 0, dropped: 0, failed: 0, pending: 0, reasons: [] };

function threeSentTwoStored(): { ledger: Ledger; stored: { metrics: Map<string, number>; annotations: Map<string, number> } } {
  const ledger = new Ledger();
  for (const step of [1, 2, 3]) ledger.metric("loss", step);
  return { ledger, stored: { metrics: new Map([metricKey("loss", 1), metricKey("loss", 2)].map((k) => [k, 1])), annotations: new Map() } };
}

describe("checkSource with a spool", () => {
  it("accepts a missing event that is left in the spool, with its reason", () => {
    const { ledger, stored } = threeSentTwoStored();
    const report = checkSource("facade-1", "s", ledger, stored, clean, { synced: 0, leftInSpool: 1, reasons: ["1 records left in the spool (/tmp/x)"] });
    expect(report).toMatchObject({ sent: 3, stored: 2, missing: 1, leftInSpool: 1, ok: true });
    expect(report.reasons).toEqual(["1 records left in the spool (/tmp/x)"]);
  });

  it("fails a missing event neither dropped, failed nor left in the spool", () => {
    const { ledger, stored } = threeSentTwoStored();
    expect(checkSource("facade-1", "s", ledger, stored, clean, { synced: 5, leftInSpool: 0, reasons: [] }).ok).toBe(false);
  });

  it("accepts events still queued in memory at the end only as far as the spool kept them, or they were stored anyway", () => {
    const ledger = new Ledger();
    ledger.metric("loss", 1);
    ledger.metric("loss", 2);
    const bothStored = { metrics: new Map([metricKey("loss", 1), metricKey("loss", 2)].map((k) => [k, 1])), annotations: new Map<string, number>() };
    const oneStored = { metrics: new Map([[metricKey("loss", 1), 1]]), annotations: new Map<string, number>() };
    const onePending = { ...clean, accepted: 1, pending: 1 };
    // Kept by the spool and delivered from it.
    expect(checkSource("f", "s", ledger, bothStored, onePending, { synced: 1, leftInSpool: 0, reasons: [] }).ok).toBe(true);
    // Delivered by the final shutdown after the counts were taken (the soak's OTel job, CI run 4).
    expect(checkSource("f", "s", ledger, bothStored, onePending).ok).toBe(true);
    // Neither stored nor kept: lost.
    expect(checkSource("f", "s", ledger, oneStored, onePending).ok).toBe(false);
    // Stored, but more pending than the spool and the late deliveries explain: counts that do not add up.
    expect(checkSource("f", "s", ledger, bothStored, { ...clean, accepted: 2, pending: 1 }).ok).toBe(false);
  });
});
