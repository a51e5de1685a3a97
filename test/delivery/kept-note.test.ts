// The "kept on disk" end of a loss report names only what the spool holds (outside review 14, F11).
import { describe, expect, it } from "vitest";
import { keptOnDiskNote } from "../../src/delivery/kept-note.ts";

describe("keptOnDiskNote", () => {
  it("says nothing without a spool", () => {
    expect(keptOnDiskNote(undefined)).toBe("");
  });

  it("excepts the events the spool refused and those Syvain refused for good (acknowledged, not kept)", () => {
    expect(keptOnDiskNote({ dir: "/s/h", notSpooled: 0, refused: 0 })).toBe("; kept on disk in /s/h: the next run on that spool directory, or syvain-otel sync, delivers them");
    expect(keptOnDiskNote({ dir: "/s/h", notSpooled: 2, refused: 0 })).toContain("/s/h (except 2 events the spool refused earlier):");
    expect(keptOnDiskNote({ dir: "/s/h", notSpooled: 2, refused: 5 })).toContain(
      "/s/h (except 2 events the spool refused earlier and 5 events Syvain refused for good, which are not kept):",
    );
  });
});
