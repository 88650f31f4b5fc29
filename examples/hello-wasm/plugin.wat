;; hello-wasm: the sample plugin of samuel's demo, written in WebAssembly text so that it builds anywhere
;; Deno runs (build.sh assembles it with the wabt npm package; no Go, clang or TinyGo needed).
;;
;; A WASI preview1 reactor speaking samuel's plugin protocol 1 (DESIGN.md section 4):
;;   greet()  -> i32   reads an optional JSON object on stdin ({"name": "..."}), prints one JSON line
;;                     {"greeting":"hello, NAME","plugin":"hello-wasm","workspace":[...],"count":N}
;;                     listing the entries of /workspace it can see (folders end in "/"), and logs one
;;                     line through samuel's host `log`. Returns 1 when /workspace is not preopened.
;;   health() -> i32   0 when /workspace is visible, else 1 (samuel doctor calls it).
;; Its only capability is reading /workspace (see samuel-plugin.toml): it cannot see anything else.

(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "samuel" "log" (func $log (param i32 i32 i32 i32)))

  ;; Memory map (3 pages):
  ;;   0      iovec (8 bytes)          8   result count (4)      16  prestat (8)
  ;;   32     preopen name (256)       512 constant strings (data segments below)
  ;;   4096   stdin (16 KiB)           20480 fd_readdir buffer (32 KiB)
  ;;   65536  output (128 KiB; entries stop early and "truncated" is set when it would overflow)
  (memory (export "memory") 3)

  (global $IN i32 (i32.const 4096))
  (global $IN_CAP i32 (i32.const 16384))
  (global $DIR i32 (i32.const 20480))
  (global $DIR_CAP i32 (i32.const 32768))
  (global $OUT i32 (i32.const 65536))
  ;; An entry is written only when the output stays below this mark: room for the longest name
  ;; (255 bytes, up to 6 bytes each when escaped) and the closing text.
  (global $OUT_LIMIT i32 (i32.const 194560))
  (global $out (mut i32) (i32.const 65536))
  (global $name_ptr (mut i32) (i32.const 0))
  (global $name_len (mut i32) (i32.const 0))
  (global $truncated (mut i32) (i32.const 0))

  (data (i32.const 512) "/workspace")                                  ;; 10 bytes
  (data (i32.const 528) "{\"greeting\":\"hello, ")                     ;; 20 bytes
  (data (i32.const 560) "\",\"plugin\":\"hello-wasm\",\"workspace\":[")  ;; 37 bytes
  (data (i32.const 608) "],\"count\":")                                ;; 10 bytes
  (data (i32.const 624) ",\"truncated\":true")                          ;; 17 bytes
  (data (i32.const 648) "world")                                       ;; 5 bytes
  (data (i32.const 656) "\"name\"")                                    ;; 6 bytes
  (data (i32.const 672) "0123456789abcdef")                            ;; 16 bytes
  (data (i32.const 704) "info")                                        ;; 4 bytes
  (data (i32.const 712) "listed /workspace")                           ;; 17 bytes
  (data (i32.const 736) "hello-wasm: /workspace is not visible (no preopen)\n") ;; 51 bytes

  (func (export "_initialize"))

  (func (export "samuel_protocol_version") (result i32) (i32.const 1))

  ;; The fd of the /workspace preopen, or -1. Preopens start at fd 3 and end at the first EBADF (8).
  (func $workspace_fd (result i32)
    (local $fd i32) (local $err i32) (local $len i32) (local $i i32)
    (local.set $fd (i32.const 3))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $fd) (i32.const 64)))
        (local.set $err (call $fd_prestat_get (local.get $fd) (i32.const 16)))
        (br_if $done (i32.eq (local.get $err) (i32.const 8)))
        (if (i32.and (i32.eqz (local.get $err)) (i32.eqz (i32.load8_u (i32.const 16))))
          (then
            (local.set $len (i32.load (i32.const 20)))
            ;; Some hosts count a trailing NUL in the name's length.
            (if (i32.and (i32.ge_u (local.get $len) (i32.const 10)) (i32.le_u (local.get $len) (i32.const 11)))
              (then
                (if (i32.eqz (call $fd_prestat_dir_name (local.get $fd) (i32.const 32) (local.get $len)))
                  (then
                    (if (i32.and
                          (call $equal (i32.const 32) (i32.const 512) (i32.const 10))
                          (i32.or (i32.eq (local.get $len) (i32.const 10))
                                  (i32.eqz (i32.load8_u (i32.const 42)))))
                      (then (return (local.get $fd))))))))))
        (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  (func $equal (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $i i32)
    (block $diff
      (loop $next
        (if (i32.ge_u (local.get $i) (local.get $n)) (then (return (i32.const 1))))
        (br_if $diff (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                             (i32.load8_u (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  (func $byte (param $b i32)
    (i32.store8 (global.get $out) (local.get $b))
    (global.set $out (i32.add (global.get $out) (i32.const 1))))

  (func $emit (param $p i32) (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $byte (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; Bytes as the inside of a JSON string: quote, backslash and control characters escaped.
  (func $emit_escaped (param $p i32) (param $n i32)
    (local $i i32) (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (if (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
          (then (call $byte (i32.const 92)) (call $byte (local.get $c)))
          (else
            (if (i32.lt_u (local.get $c) (i32.const 32))
              (then
                (call $byte (i32.const 92)) (call $byte (i32.const 117))   ;; \u
                (call $byte (i32.const 48)) (call $byte (i32.const 48))    ;; 00
                (call $byte (i32.load8_u (i32.add (i32.const 672) (i32.shr_u (local.get $c) (i32.const 4)))))
                (call $byte (i32.load8_u (i32.add (i32.const 672) (i32.and (local.get $c) (i32.const 15))))))
              (else (call $byte (local.get $c))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  (func $emit_u32 (param $v i32)
    (if (i32.ge_u (local.get $v) (i32.const 10))
      (then (call $emit_u32 (i32.div_u (local.get $v) (i32.const 10)))))
    (call $byte (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10)))))

  ;; Reads stdin to the end (or until the buffer is full); returns the byte count.
  (func $read_stdin (result i32)
    (local $total i32) (local $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $total) (global.get $IN_CAP)))
        (i32.store (i32.const 0) (i32.add (global.get $IN) (local.get $total)))
        (i32.store (i32.const 4) (i32.sub (global.get $IN_CAP) (local.get $total)))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $total (i32.add (local.get $total) (local.get $n)))
        (br $more)))
    (local.get $total))

  (func $is_space (param $c i32) (result i32)
    (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
            (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13)))))

  ;; Finds `"name": "<value>"` in the input; sets $name_ptr/$name_len to the value's raw (still
  ;; JSON-escaped) bytes. A deliberately small scanner: enough for a demo's {"name": "..."}.
  (func $find_name (param $len i32)
    (local $i i32) (local $end i32) (local $start i32) (local $c i32)
    (local.set $end (i32.add (global.get $IN) (local.get $len)))
    (local.set $i (global.get $IN))
    (block $absent
      (loop $search
        (br_if $absent (i32.gt_u (i32.add (local.get $i) (i32.const 6)) (local.get $end)))
        (if (call $equal (local.get $i) (i32.const 656) (i32.const 6))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 6)))
            (block $no
              (loop $ws1
                (br_if $no (i32.ge_u (local.get $i) (local.get $end)))
                (if (call $is_space (i32.load8_u (local.get $i)))
                  (then (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $ws1))))
              (br_if $no (i32.ne (i32.load8_u (local.get $i)) (i32.const 58))) ;; ':'
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (loop $ws2
                (br_if $no (i32.ge_u (local.get $i) (local.get $end)))
                (if (call $is_space (i32.load8_u (local.get $i)))
                  (then (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $ws2))))
              (br_if $no (i32.ne (i32.load8_u (local.get $i)) (i32.const 34))) ;; '"'
              (local.set $start (i32.add (local.get $i) (i32.const 1)))
              (local.set $i (local.get $start))
              (loop $str
                (br_if $no (i32.ge_u (local.get $i) (local.get $end)))
                (local.set $c (i32.load8_u (local.get $i)))
                ;; A control character cannot be in a JSON string: not a name we can echo safely.
                (br_if $no (i32.lt_u (local.get $c) (i32.const 32)))
                (if (i32.eq (local.get $c) (i32.const 34))
                  (then
                    (global.set $name_ptr (local.get $start))
                    (global.set $name_len (i32.sub (local.get $i) (local.get $start)))
                    (return)))
                (local.set $i (i32.add (local.get $i)
                  (select (i32.const 2) (i32.const 1) (i32.eq (local.get $c) (i32.const 92)))))
                (br $str)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $search))))

  ;; Appends every entry of the directory `fd` except . and ..; returns how many were written.
  (func $list (param $fd i32) (result i32)
    (local $cookie i64) (local $used i32) (local $off i32) (local $namelen i32) (local $name i32)
    (local $count i32) (local $rec i32)
    (block $done
      (loop $batch
        (br_if $done (call $fd_readdir (local.get $fd) (global.get $DIR) (global.get $DIR_CAP)
                                       (local.get $cookie) (i32.const 8)))
        (local.set $used (i32.load (i32.const 8)))
        (local.set $off (i32.const 0))
        (block $batch_end
          (loop $entry
            ;; A dirent is 24 bytes of header then the name; a partial one at the end is re-read.
            (br_if $batch_end (i32.gt_u (i32.add (local.get $off) (i32.const 24)) (local.get $used)))
            (local.set $rec (i32.add (global.get $DIR) (local.get $off)))
            (local.set $namelen (i32.load (i32.add (local.get $rec) (i32.const 16))))
            (br_if $batch_end
              (i32.gt_u (i32.add (i32.add (local.get $off) (i32.const 24)) (local.get $namelen))
                        (local.get $used)))
            (local.set $cookie (i64.load (local.get $rec)))
            (local.set $name (i32.add (local.get $rec) (i32.const 24)))
            (if (i32.eqz (i32.or
                  (i32.and (i32.eq (local.get $namelen) (i32.const 1))
                           (i32.eq (i32.load8_u (local.get $name)) (i32.const 46)))
                  (i32.and (i32.eq (local.get $namelen) (i32.const 2))
                           (i32.eq (i32.load16_u (local.get $name)) (i32.const 0x2e2e)))))
              (then
                (if (i32.ge_u (global.get $out) (global.get $OUT_LIMIT))
                  (then (global.set $truncated (i32.const 1)) (br $done)))
                (if (local.get $count) (then (call $byte (i32.const 44))))
                (call $byte (i32.const 34))
                (call $emit_escaped (local.get $name) (local.get $namelen))
                ;; d_type 3 is a directory.
                (if (i32.eq (i32.load8_u (i32.add (local.get $rec) (i32.const 20))) (i32.const 3))
                  (then (call $byte (i32.const 47))))
                (call $byte (i32.const 34))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (local.set $off (i32.add (local.get $off) (i32.add (i32.const 24) (local.get $namelen))))
            (br $entry)))
        ;; A short buffer means the directory was read to its end.
        (br_if $batch (i32.ge_u (local.get $used) (global.get $DIR_CAP)))))
    (local.get $count))

  (func $write_all (param $fd i32) (param $p i32) (param $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store (i32.const 0) (local.get $p))
        (i32.store (i32.const 4) (local.get $n))
        (br_if $done (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $p (i32.add (local.get $p) (i32.load (i32.const 8))))
        (local.set $n (i32.sub (local.get $n) (i32.load (i32.const 8))))
        (br $more))))

  (func (export "greet") (result i32)
    (local $fd i32) (local $count i32)
    (local.set $fd (call $workspace_fd))
    (if (i32.lt_s (local.get $fd) (i32.const 0))
      (then (call $write_all (i32.const 2) (i32.const 736) (i32.const 51)) (return (i32.const 1))))
    (call $find_name (call $read_stdin))
    (global.set $out (global.get $OUT))
    (call $emit (i32.const 528) (i32.const 20))
    (if (global.get $name_len)
      (then (call $emit (global.get $name_ptr) (global.get $name_len)))
      (else (call $emit (i32.const 648) (i32.const 5))))
    (call $emit (i32.const 560) (i32.const 37))
    (local.set $count (call $list (local.get $fd)))
    (call $emit (i32.const 608) (i32.const 10))
    (call $emit_u32 (local.get $count))
    (if (global.get $truncated) (then (call $emit (i32.const 624) (i32.const 17))))
    (call $byte (i32.const 125)) ;; }
    (call $byte (i32.const 10))
    (call $write_all (i32.const 1) (global.get $OUT) (i32.sub (global.get $out) (global.get $OUT)))
    (call $log (i32.const 704) (i32.const 4) (i32.const 712) (i32.const 17))
    (i32.const 0))

  (func (export "health") (result i32)
    (if (i32.lt_s (call $workspace_fd) (i32.const 0))
      (then (call $write_all (i32.const 2) (i32.const 736) (i32.const 51)) (return (i32.const 1))))
    (i32.const 0))
)
