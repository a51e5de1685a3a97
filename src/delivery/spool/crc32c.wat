;; CRC32C (Castagnoli) in WebAssembly: the same slicing-by-8 as crc32c.ts, for the flusher's
;; checksums (crc32c-wasm.ts loads it; scripts/build-crc32c-wasm.ts compiles this file into
;; crc32c-wasm-bytes.ts, and a test checks the two agree). V8 runs this loop ~2.5x faster than the
;; JavaScript one, whose typed-array reads it cannot prove in bounds.
;;
;; Memory: [0, 8192) holds the tables, written by JavaScript at instantiation (T[k*256+b], u32 LE,
;; the CRC of byte b followed by k zero bytes); bytes to checksum are copied in after them.
(module
  (memory (export "memory") 1)

  ;; Continues a CRC32C over memory[p, end) from `crc` (0 to begin); returns the new CRC.
  (func $crc (export "crc") (param $p i32) (param $end i32) (param $crc i32) (result i32)
    (local $c i32) (local $w i32)
    (local.set $c (i32.xor (local.get $crc) (i32.const -1)))
    (block $eights_done
      (loop $eights
        (br_if $eights_done (i32.gt_u (i32.add (local.get $p) (i32.const 8)) (local.get $end)))
        (local.set $c (i32.xor (local.get $c) (i32.load (local.get $p))))
        (local.set $w (i32.load offset=4 (local.get $p)))
        (local.set $c
          (i32.xor
            (i32.xor
              (i32.xor
                (i32.load offset=7168 (i32.shl (i32.and (local.get $c) (i32.const 255)) (i32.const 2)))
                (i32.load offset=6144 (i32.shl (i32.and (i32.shr_u (local.get $c) (i32.const 8)) (i32.const 255)) (i32.const 2))))
              (i32.xor
                (i32.load offset=5120 (i32.shl (i32.and (i32.shr_u (local.get $c) (i32.const 16)) (i32.const 255)) (i32.const 2)))
                (i32.load offset=4096 (i32.shl (i32.shr_u (local.get $c) (i32.const 24)) (i32.const 2)))))
            (i32.xor
              (i32.xor
                (i32.load offset=3072 (i32.shl (i32.and (local.get $w) (i32.const 255)) (i32.const 2)))
                (i32.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $w) (i32.const 8)) (i32.const 255)) (i32.const 2))))
              (i32.xor
                (i32.load offset=1024 (i32.shl (i32.and (i32.shr_u (local.get $w) (i32.const 16)) (i32.const 255)) (i32.const 2)))
                (i32.load (i32.shl (i32.shr_u (local.get $w) (i32.const 24)) (i32.const 2)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $eights)))
    (block $ones_done
      (loop $ones
        (br_if $ones_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c
          (i32.xor
            (i32.load (i32.shl (i32.and (i32.xor (local.get $c) (i32.load8_u (local.get $p))) (i32.const 255)) (i32.const 2)))
            (i32.shr_u (local.get $c) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ones)))
    (i32.xor (local.get $c) (i32.const -1)))

  ;; Checksums every record framed in memory[p, end) (record-format.ts: u32 length | u32 CRC | u8
  ;; type | payload; the CRC covers the length, the type and the payload) and stores each CRC in
  ;; its record. Stops at the first record that does not fit; returns where it stopped.
  (func (export "frame") (param $p i32) (param $end i32) (result i32)
    (local $next i32)
    (block $done
      (loop $record
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 9)) (local.get $end)))
        (local.set $next (i32.add (i32.add (local.get $p) (i32.const 9)) (i32.load (local.get $p))))
        (br_if $done (i32.or (i32.gt_u (local.get $next) (local.get $end)) (i32.lt_u (local.get $next) (local.get $p))))
        (i32.store offset=4 (local.get $p)
          (call $crc (i32.add (local.get $p) (i32.const 8)) (local.get $next)
            (call $crc (local.get $p) (i32.add (local.get $p) (i32.const 4)) (i32.const 0))))
        (local.set $p (local.get $next))
        (br $record)))
    (local.get $p))
)
