import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../../src/delivery/spool/crc32c.ts";
import { Crc32cBlock } from "../../../src/delivery/spool/crc32c-prefix.ts";
import { JsonEnvelope } from "../../../src/delivery/spool/json-envelope.ts";
import { frameRecord, recordEndAt, RECORD_HEADER_BYTES } from "../../../src/delivery/spool/record-format.ts";

describe("Crc32cBlock", () => {
  it("continues a checksum over its block exactly like a pass over the bytes, from any state", () => {
    for (const length of [0, 1, 3, 8, 61, 200]) {
      const block = randomBytes(length);
      const skip = new Crc32cBlock(block);
      expect(skip.length).toBe(length);
      for (const crc of [0, 0xffffffff, 0xe3069283, ...Array.from({ length: 50 }, () => randomBytes(4).readUInt32LE(0))]) {
        expect(skip.continue(crc)).toBe(crc32c(block, 0, block.length, crc));
      }
    }
  });
});

describe("frameRecord with an envelope's head", () => {
  it("writes the same checksum as a pass over the whole payload, which the reader accepts", () => {
    const envelope = JsonEnvelope.around({ x: "train-run-7", i: "exp_0123456789" }, "e");
    for (const event of [{}, { client_event_id: "e1", name: "loss", value: 0.25, step: 3, timestamp: 1733500000000 }, { text: "é ✓ 𝄞" }]) {
      const payload = Buffer.concat([envelope.head, Buffer.from(JSON.stringify(event)), envelope.tail]);
      const plain = Buffer.alloc(RECORD_HEADER_BYTES + payload.length);
      const withHead = Buffer.alloc(RECORD_HEADER_BYTES + payload.length);
      payload.copy(plain, RECORD_HEADER_BYTES);
      payload.copy(withHead, RECORD_HEADER_BYTES);
      frameRecord(plain, 0, 2, payload.length);
      frameRecord(withHead, 0, 2, payload.length, envelope.headCrc);
      expect(withHead.equals(plain)).toBe(true);
      expect(recordEndAt(withHead, 0, withHead.length)).toBe(withHead.length);
      withHead.writeUInt8(withHead.readUInt8(RECORD_HEADER_BYTES + 3) ^ 1, RECORD_HEADER_BYTES + 3); // a flipped bit inside the head still fails the check
      expect(recordEndAt(withHead, 0, withHead.length)).toBe(-1);
    }
  });
});
