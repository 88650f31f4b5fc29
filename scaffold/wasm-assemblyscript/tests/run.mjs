// `npm test`: runs the built plugin.wasm (npm run asbuild first) the way samuel does, with Node's WASI and
// a stand-in for samuel's host module, on tests/workspace mounted at /workspace, and checks each export.
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI } from "node:wasi";

// npm runs scripts in the package's folder.
const root = process.cwd();
const module = new WebAssembly.Module(readFileSync(join(root, "plugin.wasm")));

/** Instantiates the module, runs `_initialize` and `name`, and returns its code, stdout, stderr and log. */
function call(name, stdin = "") {
  const dir = mkdtempSync(join(tmpdir(), "plugin-test-"));
  try {
    writeFileSync(join(dir, "stdin"), stdin);
    const fds = [join(dir, "stdin"), join(dir, "stdout"), join(dir, "stderr")].map((f, i) =>
      openSync(f, i === 0 ? "r" : "w")
    );
    const wasi = new WASI({
      version: "preview1",
      args: ["plugin", name],
      preopens: { "/workspace": join(root, "tests", "workspace") },
      stdin: fds[0],
      stdout: fds[1],
      stderr: fds[2],
    });
    const log = [];
    let memory;
    const text = (ptr, len) => new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));
    const samuel = {
      log: (lp, ll, mp, ml) => log.push(`${text(lp, ll)}: ${text(mp, ml)}`),
      deadline_ms: () => 5000n,
      net_outbound: () => -1, // every host is denied here
      net_response: () => -10,
    };
    const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport, samuel });
    memory = instance.exports.memory;
    wasi.initialize(instance);
    const code = instance.exports[name]();
    fds.forEach((fd) => closeSync(fd));
    const read = (f) => readFileSync(join(dir, f), "utf8");
    return { code, stdout: read("stdout"), stderr: read("stderr"), log };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const lint = call("lint");
assert.equal(lint.code, 1, lint.stderr);
assert.deepEqual(JSON.parse(lint.stdout), {
  findings: [{ file: "src/app.ts", line: 2, text: "// TODO: write the real plugin" }],
  files: 1,
  truncated: false,
});
assert.deepEqual(lint.log, ["info: scanned 1 files, 1 findings"]);

const clean = call("lint", '{"marker": "FIXME"}');
assert.equal(clean.code, 0, clean.stderr);
assert.deepEqual(JSON.parse(clean.stdout).findings, []);

const bad = call("lint", "[1]");
assert.equal(bad.code, 2);
assert.match(bad.stderr, /input must be a JSON object/);

assert.equal(call("health").code, 0);
assert.equal(call("samuel_protocol_version").code, 1);
console.log("ok: lint, health and samuel_protocol_version behave as expected");
