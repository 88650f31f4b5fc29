// The invocation's input (stdin), its output (stdout) and diagnostics (stderr).

import { fd_read, fd_write } from "./abi";
import { JSONValue, Kind, parseJSON } from "./json";
import { concat, ptr, text, utf8 } from "./memory";

/** A value, or an error saying why there is none. */
export class Result<T> {
  constructor(public value: T, public error: string = "") {}

  get ok(): bool {
    return this.error.length == 0;
  }
}

let inputRead = false;
let inputData = new Uint8Array(0);
let inputError = "";

/** Reads a file descriptor to its end. */
export function readAll(fd: u32): Result<Uint8Array> {
  let data = new Uint8Array(0);
  const chunk = new Uint8Array(16384);
  const iov = new Uint32Array(2);
  const nread = new Uint32Array(1);
  while (true) {
    iov[0] = <u32>ptr(chunk);
    iov[1] = <u32>chunk.length;
    const errno = fd_read(fd, iov.dataStart, 1, nread.dataStart);
    if (errno != 0) return new Result<Uint8Array>(data, "read failed (WASI errno " + errno.toString() + ")");
    if (nread[0] == 0) return new Result<Uint8Array>(data);
    data = concat(data, chunk.subarray(0, <i32>nread[0]));
  }
}

/** Writes all of `bytes` to a file descriptor; false when it failed. */
export function writeAll(fd: u32, bytes: Uint8Array): bool {
  const iov = new Uint32Array(2);
  const written = new Uint32Array(1);
  let off = 0;
  while (off < bytes.length) {
    iov[0] = <u32>(ptr(bytes) + off);
    iov[1] = <u32>(bytes.length - off);
    if (fd_write(fd, iov.dataStart, 1, written.dataStart) != 0 || written[0] == 0) return false;
    off += <i32>written[0];
  }
  return true;
}

/**
 * The invocation's input: everything on stdin (what `samuel run --input` fed the plugin). It is read
 * once and kept, so calling it again is cheap.
 */
export function input(): Result<Uint8Array> {
  if (!inputRead) {
    const r = readAll(0);
    inputData = r.value;
    inputError = r.error;
    inputRead = true;
  }
  return new Result<Uint8Array>(inputData, inputError);
}

/**
 * The input as a JSON object. Empty input (or only whitespace) gives an empty object, so plugins can
 * treat every option as optional.
 */
export function inputObject(): Result<JSONValue> {
  const raw = input();
  if (!raw.ok) return new Result<JSONValue>(JSONValue.object(), "reading input: " + raw.error);
  const s = text(raw.value);
  if (s.trim().length == 0) return new Result<JSONValue>(JSONValue.object());
  const parsed = parseJSON(s);
  if (!parsed.ok) return new Result<JSONValue>(JSONValue.object(), "input is not valid JSON: " + parsed.error);
  if (!parsed.value.isObject) return new Result<JSONValue>(JSONValue.object(), "input must be a JSON object");
  return new Result<JSONValue>(parsed.value);
}

/** A string option of a decoded JSON object, or `def` when the key is absent or null. */
export function stringOption(obj: JSONValue, key: string, def: string): Result<string> {
  const v = obj.get(key);
  if (v == null || v.isNull) return new Result<string>(def);
  if (v.kind != Kind.String) return new Result<string>(def, 'option "' + key + '" must be a string');
  return new Result<string>(v.str);
}

/** A numeric option of a decoded JSON object, or `def` when the key is absent or null. */
export function numberOption(obj: JSONValue, key: string, def: f64): Result<f64> {
  const v = obj.get(key);
  if (v == null || v.isNull) return new Result<f64>(def);
  if (v.kind != Kind.Number) return new Result<f64>(def, 'option "' + key + '" must be a number');
  return new Result<f64>(v.num);
}

/** Writes `s` to stdout: the plugin's result. */
export function output(s: string): bool {
  return writeAll(1, utf8(s));
}

/** Writes `bytes` to stdout. */
export function outputBytes(bytes: Uint8Array): bool {
  return writeAll(1, bytes);
}

/** Writes `value` as JSON to stdout, with a trailing newline. */
export function outputJSON(value: JSONValue): bool {
  return output(value.toString() + "\n");
}

/**
 * Writes a diagnostic line to stderr (samuel shows it next to the output and keeps it in the --json
 * envelope). A newline is added when missing.
 */
export function diag(msg: string): void {
  writeAll(2, utf8(msg.endsWith("\n") ? msg : msg + "\n"));
}
