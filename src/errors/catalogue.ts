/**
 * Every error code samuel can report, once: its process exit code and what the user learns from the code
 * alone. `SamCode` is the union of the keys, so a misspelled code does not compile, and `samuelError`
 * (src/errors.ts) takes the exit from here, so a code has one exit wherever it is raised. README.md's error
 * reference is generated from this table (`deno task gen-errors`); tests/errors/catalogue_test.ts checks
 * that every code is well-formed and listed once, used in src/ (or reserved, with the reason), that every
 * code written anywhere is listed, and that each exits with a documented code.
 *
 * A code's number never changes meaning once released (scripts and CI match on codes): a code that is no
 * longer raised stays here as `reserved`. This module imports nothing: it is on every start-up path.
 */

/** Stable process exit codes (DESIGN.md section 8, README "Exit codes"). */
export const Exit = {
  ok: 0,
  unexpected: 1,
  invalidInput: 2,
  denied: 3,
  verification: 4,
  lockContention: 5,
  pluginFailed: 6,
  timeout: 7,
  /** `samuel plugin exec` only: the guest trapped or a limit stopped it (wasmtime's code). */
  trap: 134,
} as const;

export type ExitCode = (typeof Exit)[keyof typeof Exit];

export interface CodeEntry {
  readonly exit: ExitCode;
  /** One line: what failed, as the user reads it next to the code. */
  readonly meaning: string;
  /** Set when nothing raises the code any more: why it is kept (its number is never reused). */
  readonly reserved?: string;
}

// Exits: 1 unexpected / network / disk, 2 invalid input, 3 review refused, 4 verification, 5 lock
// contention, 6 plugin failed, 7 plugin timed out, 134 plugin exec stopped.
export const CATALOGUE = {
  // The skill archive (src/source/archive.ts).
  "SAM-ARCHIVE-001": { exit: 2, meaning: "the skill archive is not gzip or not a valid tar" },
  "SAM-ARCHIVE-002": {
    exit: 2,
    meaning: "an archive entry's path is absolute, has `..`, or leaves the target",
  },
  "SAM-ARCHIVE-003": { exit: 2, meaning: "an archive entry is a symlink or hardlink (refused by design)" },
  "SAM-ARCHIVE-004": { exit: 2, meaning: "an archive entry is a device, FIFO or of an unknown type" },
  "SAM-ARCHIVE-005": { exit: 2, meaning: "archive bomb: too many entries or too many unpacked bytes" },
  "SAM-ARCHIVE-006": {
    exit: 2,
    meaning: "an archive entry appears twice, or a file and a folder share a path",
  },

  // samuel plugin bench (src/app/bench.ts, src/cli/commands/plugin_bench.ts).
  "SAM-BENCH-001": { exit: 2, meaning: "plugin bench: the folder's plugin is not a wasm plugin" },
  "SAM-BENCH-002": { exit: 2, meaning: "plugin bench: the module is not built yet" },
  "SAM-BENCH-003": { exit: 2, meaning: "plugin bench: the built module does not match its manifest" },
  "SAM-BENCH-004": {
    exit: 2,
    meaning: "plugin bench: --export names an export the manifest does not declare",
  },
  "SAM-BENCH-005": { exit: 2, meaning: "plugin bench: -n is not a whole number of runs in range" },
  "SAM-BENCH-006": { exit: 2, meaning: "plugin bench: more than one folder given" },
  "SAM-BENCH-007": { exit: 2, meaning: "plugin bench: the --input file cannot be read" },

  // The command line (main.ts, src/cli/).
  "SAM-CLI-001": { exit: 2, meaning: "unknown command (or a command group without its subcommand)" },
  "SAM-CLI-002": { exit: 2, meaning: "unknown option" },
  "SAM-CLI-003": { exit: 2, meaning: "an option needs a value and got none" },
  "SAM-CLI-004": { exit: 2, meaning: "wrong number of arguments (`run`, `plugin validate`)" },
  "SAM-COMPLETIONS-001": { exit: 2, meaning: "samuel completions: missing, unknown or extra shell name" },

  // samuel.toml (src/project/config.ts).
  "SAM-CONFIG-001": { exit: 2, meaning: "no samuel.toml: not in a samuel project" },
  "SAM-CONFIG-002": { exit: 2, meaning: "samuel.toml is not valid TOML" },
  "SAM-CONFIG-003": {
    exit: 2,
    meaning: "samuel.toml has invalid values (wrong type, bad URL, ...): each named",
  },
  "SAM-CONFIG-005": { exit: 2, meaning: "samuel.toml exists but cannot be read" },
  "SAM-CONFIG-006": {
    exit: 2,
    meaning: "samuel.toml's [[plugins]] are written in a form samuel cannot edit",
  },
  "SAM-CONFIG-007": {
    exit: 1,
    meaning: "editing samuel.toml would have made it invalid; it was not changed",
  },
  "SAM-CONFIG-010": { exit: 2, meaning: 'samuel.toml passes a size or nesting bound (README "Limits")' },

  // src/errors.ts.
  "SAM-DISK-001": { exit: 1, meaning: "the disk is full; the write was atomic or rolled back" },
  "SAM-INTERNAL-001": { exit: 1, meaning: "unexpected error: a bug in samuel (--verbose shows the stack)" },

  // samuel doctor (src/app/doctor.ts): one code per class of the most serious failing check.
  "SAM-DOCTOR-001": {
    exit: 2,
    meaning: "doctor: checks failed, invalid input at worst (or a warning, --strict)",
  },
  "SAM-DOCTOR-002": {
    exit: 4,
    meaning: "doctor: an installed file no longer matches samuel.lock (or verification)",
  },
  "SAM-DOCTOR-003": { exit: 6, meaning: "doctor: a plugin's health check failed" },
  "SAM-DOCTOR-004": { exit: 7, meaning: "doctor: a plugin's health check timed out" },
  "SAM-DOCTOR-005": { exit: 1, meaning: "doctor: a check failed unexpectedly (network, disk, a bug)" },

  // Downloads (src/source/download.ts).
  "SAM-DOWNLOAD-001": { exit: 2, meaning: "HTTP 404: the asset or URL does not exist" },
  "SAM-DOWNLOAD-002": {
    exit: 1,
    meaning: "rate limited (GitHub rate-limit headers or 429); says when it resets",
  },
  "SAM-DOWNLOAD-003": { exit: 1, meaning: "TLS failure (certificate not trusted, handshake failed)" },
  "SAM-DOWNLOAD-004": { exit: 1, meaning: "the response is larger than its size limit" },
  "SAM-DOWNLOAD-005": { exit: 1, meaning: "timed out (connect or read), after the retries" },
  "SAM-DOWNLOAD-006": { exit: 1, meaning: "connection failed (refused, reset, DNS), after the retries" },
  "SAM-DOWNLOAD-007": { exit: 1, meaning: "another HTTP error status (5xx after the retries)" },
  "SAM-DOWNLOAD-008": { exit: 1, meaning: "redirect problem (too many, or without a Location)" },
  "SAM-DOWNLOAD-009": { exit: 2, meaning: "the URL (or a redirect) is not http(s)" },

  // samuel plugin exec (src/app/exec.ts, src/cli/commands/plugin_exec.ts).
  "SAM-EXEC-001": { exit: 2, meaning: "plugin exec: usage (flags, missing MODULE.wasm)" },
  "SAM-EXEC-002": { exit: 2, meaning: "plugin exec: the module file cannot be read" },
  "SAM-EXEC-003": { exit: 2, meaning: "plugin exec: the file is not a valid WebAssembly module" },
  "SAM-EXEC-004": { exit: 2, meaning: "plugin exec: the module is not a WASI command (no _start)" },
  "SAM-EXEC-005": { exit: 2, meaning: "plugin exec: a --dir / --dir-ro directory does not exist" },
  "SAM-EXEC-006": { exit: 2, meaning: "plugin exec: the module imports functions samuel does not provide" },
  "SAM-EXEC-007": { exit: 134, meaning: "plugin exec: the guest ran past --timeout and was stopped" },
  "SAM-EXEC-008": { exit: 134, meaning: "plugin exec: the guest used its --fuel and was stopped" },
  "SAM-EXEC-009": { exit: 1, meaning: "plugin exec: the outer wall (sandbox) could not be put in place" },

  "SAM-INIT-001": { exit: 2, meaning: "samuel init: samuel.toml already exists (--force replaces it)" },

  // install, update, uninstall and reinstall from the lock (src/app/, src/store/).
  "SAM-INSTALL-001": { exit: 3, meaning: "risky grants, no terminal to ask and no --yes: not installed" },
  "SAM-INSTALL-002": { exit: 3, meaning: "the risky grants were declined at the prompt: not installed" },
  "SAM-INSTALL-003": { exit: 2, meaning: "the module imports something this host does not provide" },
  "SAM-INSTALL-004": { exit: 2, meaning: "a declared export is missing from the module or not `() -> i32`" },
  "SAM-INSTALL-005": { exit: 2, meaning: "the module's samuel protocol version is not this host's" },
  "SAM-INSTALL-006": { exit: 4, meaning: "a fetched file (or the manifest) does not match samuel.lock" },
  "SAM-INSTALL-007": { exit: 2, meaning: "--frozen, and samuel.lock would change" },
  "SAM-INSTALL-008": { exit: 4, meaning: "an update is signed by another identity than samuel.lock pins" },
  "SAM-INSTALL-009": { exit: 2, meaning: "the named plugin is not installed" },
  "SAM-INSTALL-010": { exit: 1, meaning: "interrupted (Ctrl-C) during the commit: rolled back" },
  "SAM-INSTALL-011": {
    exit: 1,
    meaning: "writing the project failed and is rolled back by the next command",
  },
  "SAM-INSTALL-012": {
    exit: 4,
    meaning: "a skill folder has no single artifact to sign (needs --allow-unsigned)",
  },
  "SAM-INSTALL-013": {
    exit: 2,
    meaning: "the arguments do not allow this install (usage, a renamed plugin, a link in a skill)",
  },
  "SAM-INSTALL-014": {
    exit: 4,
    meaning: "an unsigned plugin would replace a signed one",
    reserved: "planned as a refusal; a drop to unsigned is a warning instead (src/app/install_source.ts)",
  },
  "SAM-INSTALL-015": {
    exit: 2,
    meaning: "the journal .samuel/transaction.json cannot be used: nothing changed",
  },

  // The project lock .samuel/lock (src/project/file_lock.ts).
  "SAM-LOCK-001": { exit: 5, meaning: "another samuel process holds the project lock past the wait" },
  "SAM-LOCK-002": { exit: 2, meaning: "the project lock file cannot be opened (permissions)" },
  "SAM-LOCK-003": { exit: 2, meaning: "SAMUEL_LOCK_WAIT_MS is not a number of milliseconds" },

  // samuel.lock (src/project/lockfile.ts).
  "SAM-LOCKFILE-001": { exit: 2, meaning: "samuel.lock is not valid TOML" },
  "SAM-LOCKFILE-002": { exit: 2, meaning: "samuel.lock has missing or invalid fields: each named" },
  "SAM-LOCKFILE-003": { exit: 2, meaning: "samuel.lock was written by a newer samuel (format version)" },
  "SAM-LOCKFILE-004": { exit: 2, meaning: "samuel.lock lists a plugin twice" },
  "SAM-LOCKFILE-005": { exit: 2, meaning: "samuel.lock exists but cannot be read" },
  "SAM-LOCKFILE-010": { exit: 2, meaning: 'samuel.lock passes a size or nesting bound (README "Limits")' },

  // samuel-plugin.toml (src/manifest/validate.ts): one code per rule, reported as problems; the first error
  // is the error's code. Under --strict every warning is reported as an error.
  "SAM-MANIFEST-001": { exit: 2, meaning: "the plugin manifest is missing or unreadable" },
  "SAM-MANIFEST-002": { exit: 2, meaning: "the plugin manifest is not valid TOML" },
  "SAM-MANIFEST-003": {
    exit: 2,
    meaning: "a required manifest key is missing (name, version, kind, module, exports)",
  },
  "SAM-MANIFEST-004": { exit: 2, meaning: "a manifest value has the wrong type" },
  "SAM-MANIFEST-005": { exit: 2, meaning: "unknown manifest key (a warning; an error under --strict)" },
  "SAM-MANIFEST-006": { exit: 2, meaning: "the plugin name does not match [a-z0-9][a-z0-9-]{0,63}" },
  "SAM-MANIFEST-007": { exit: 2, meaning: "the plugin version is not a strict semver version" },
  "SAM-MANIFEST-008": { exit: 2, meaning: "kind `oci` or `meta`: known, but not supported by this build" },
  "SAM-MANIFEST-009": { exit: 2, meaning: "kind is not a known kind (wasm, skill)" },
  "SAM-MANIFEST-010": { exit: 2, meaning: "samuel.framework is not a semver range" },
  "SAM-MANIFEST-011": { exit: 2, meaning: "samuel.framework excludes this samuel's version" },
  "SAM-MANIFEST-012": { exit: 2, meaning: "samuel.protocol is not a semver range" },
  "SAM-MANIFEST-013": { exit: 2, meaning: "samuel.protocol excludes the protocol this host speaks" },
  "SAM-MANIFEST-014": {
    exit: 2,
    meaning: "wasm.module / skill.entry is not a relative path inside the plugin",
  },
  "SAM-MANIFEST-015": { exit: 2, meaning: "an exports list is empty" },
  "SAM-MANIFEST-016": { exit: 2, meaning: "an export is not an identifier" },
  "SAM-MANIFEST-017": { exit: 2, meaning: "an export is listed twice" },
  "SAM-MANIFEST-018": { exit: 2, meaning: "an export is a reserved verb or a WASI lifecycle entry point" },
  "SAM-MANIFEST-019": { exit: 2, meaning: "runtime.exports and wasm.exports differ" },
  "SAM-MANIFEST-020": { exit: 2, meaning: "a duration is not <number>ms|s|m, not positive, or too large" },
  "SAM-MANIFEST-021": { exit: 2, meaning: "runtime.hard_timeout is shorter than runtime.timeout" },
  "SAM-MANIFEST-022": { exit: 2, meaning: "runtime.max_memory is not a whole number of MiB from 1 to 4096" },
  "SAM-MANIFEST-023": { exit: 2, meaning: "runtime.fuel is not a positive integer" },
  "SAM-MANIFEST-024": { exit: 2, meaning: "a filesystem grant is not an absolute, normalised guest path" },
  "SAM-MANIFEST-025": { exit: 2, meaning: "a list entry (filesystem path, env key, host) is listed twice" },
  "SAM-MANIFEST-026": { exit: 2, meaning: "an env key is not a valid name" },
  "SAM-MANIFEST-027": {
    exit: 2,
    meaning: "a network host is not an exact lowercase host, IP literal or *.host",
  },
  "SAM-MANIFEST-028": {
    exit: 2,
    meaning: "a section does not apply to this kind and is ignored (a warning)",
  },
  "SAM-MANIFEST-029": { exit: 2, meaning: "summary is missing or empty (a warning)" },
  "SAM-MANIFEST-030": { exit: 2, meaning: "summary spans several lines" },
  "SAM-MANIFEST-031": {
    exit: 2,
    meaning: "samuel.framework or samuel.protocol is missing: a default is assumed (a warning)",
  },
  "SAM-MANIFEST-032": {
    exit: 2,
    meaning: 'the plugin manifest passes a size or nesting bound (README "Limits")',
  },

  // samuel new plugin (src/app/new.ts).
  "SAM-NEW-001": { exit: 2, meaning: "new plugin: --name is missing" },
  "SAM-NEW-002": { exit: 2, meaning: "new plugin: the name breaks the manifest's name rule" },
  "SAM-NEW-003": { exit: 2, meaning: "new plugin: unknown or unsupported --kind" },
  "SAM-NEW-004": { exit: 2, meaning: "new plugin: no template for that --lang" },
  "SAM-NEW-005": {
    exit: 2,
    meaning: "new plugin: the folder exists and is not empty (--force writes into it)",
  },
  "SAM-NEW-006": { exit: 2, meaning: "new plugin: the folder path is a file" },
  "SAM-NEW-007": { exit: 2, meaning: "new plugin: unexpected argument" },

  // The wasm pre-processor (src/runtime/preprocess/).
  "SAM-PREPROCESS-001": { exit: 2, meaning: "the module is not valid WebAssembly (damaged or truncated)" },
  "SAM-PREPROCESS-002": { exit: 2, meaning: "the module uses a WebAssembly feature samuel cannot sandbox" },
  "SAM-PREPROCESS-003": { exit: 2, meaning: "the module's initial memory is above its runtime.max_memory" },
  "SAM-PREPROCESS-004": {
    exit: 1,
    meaning: "samuel's module rewriter produced an invalid module: a bug in samuel",
  },

  // Registries (src/source/registry.ts).
  "SAM-REGISTRY-001": { exit: 2, meaning: "no registries configured for a plugin name lookup" },
  "SAM-REGISTRY-002": { exit: 2, meaning: "invalid registry URL" },
  "SAM-REGISTRY-003": { exit: 2, meaning: "a registry's index.toml is not valid (TOML syntax or format)" },
  "SAM-REGISTRY-004": { exit: 2, meaning: "the plugin name is in no configured registry" },
  "SAM-REGISTRY-005": { exit: 2, meaning: "no listed version satisfies the range" },
  "SAM-REGISTRY-006": {
    exit: 1,
    meaning: "a registry index cannot be fetched (network, server) and is not cached",
  },
  "SAM-REGISTRY-007": {
    exit: 2,
    meaning: "a registry index is not there (file:// path unreadable, or 404) and is not cached",
  },

  // samuel run (src/store/runnable.ts, src/app/run.ts, src/cli/commands/run.ts, src/runtime/sandbox_spec.ts).
  "SAM-RUN-001": { exit: 2, meaning: "run: the plugin is not installed (not in samuel.lock)" },
  "SAM-RUN-002": { exit: 2, meaning: "run: the plugin is not a wasm plugin" },
  "SAM-RUN-003": { exit: 2, meaning: "run: the plugin does not declare that export" },
  "SAM-RUN-004": {
    exit: 2,
    meaning: "run: the plugin's module file is missing (`samuel install` restores it)",
  },
  "SAM-RUN-005": { exit: 4, meaning: "run: the installed module does not match samuel.lock" },
  "SAM-RUN-006": { exit: 2, meaning: "run: the plugin is in samuel.lock but its files are missing" },
  "SAM-RUN-007": { exit: 2, meaning: "run --all: no installed plugin declares the export" },
  "SAM-RUN-008": { exit: 2, meaning: "run: --timeout is not a valid duration" },
  "SAM-RUN-009": { exit: 2, meaning: "run: the --input file cannot be read" },
  "SAM-RUN-010": {
    exit: 6,
    meaning: "run: the plugin returned non-zero (or, with --all, some plugins failed)",
  },
  "SAM-RUN-011": { exit: 6, meaning: "run: the plugin trapped (a bug in the plugin)" },
  "SAM-RUN-012": { exit: 7, meaning: "run: the plugin ran past its hard timeout and was stopped" },
  "SAM-RUN-013": { exit: 6, meaning: "run: the plugin used its whole fuel budget" },
  "SAM-RUN-014": { exit: 6, meaning: "run: the plugin wrote more output than its cap" },
  "SAM-RUN-015": { exit: 1, meaning: "run: the sandbox failed (not the plugin's doing)" },
  "SAM-RUN-016": { exit: 2, meaning: "run: samuel.lock grants a path that is not absolute and normalised" },
  "SAM-RUN-017": { exit: 2, meaning: "run: a folder the plugin is granted does not exist" },
  "SAM-RUN-018": { exit: 4, meaning: "run: the installed manifest does not match samuel.lock" },
  "SAM-RUN-019": { exit: 1, meaning: "run: the outer wall (process narrowing) could not be put in place" },

  // Plugin sources (src/source/).
  "SAM-SOURCE-001": { exit: 2, meaning: "the SOURCE argument matches none of the three source forms" },
  "SAM-SOURCE-002": { exit: 2, meaning: "invalid GitHub owner, repository or tag" },
  "SAM-SOURCE-003": { exit: 2, meaning: "invalid registry plugin name" },
  "SAM-SOURCE-004": { exit: 2, meaning: "invalid semver range" },
  "SAM-SOURCE-005": { exit: 2, meaning: "file:// with an empty path" },
  "SAM-SOURCE-006": { exit: 2, meaning: "the local source folder (or archive) is missing or unreadable" },
  "SAM-SOURCE-007": { exit: 2, meaning: "samuel-plugin.toml is missing in the source" },
  "SAM-SOURCE-008": {
    exit: 2,
    meaning: "the module (or skill archive / SKILL.md) the manifest names is missing",
  },
  "SAM-SOURCE-009": { exit: 2, meaning: "a file of the source is larger than its limit" },
  "SAM-SOURCE-010": { exit: 2, meaning: "the manifest cannot be read far enough to find the module" },
  "SAM-SOURCE-011": { exit: 1, meaning: "GitHub's latest-release answer has no usable tag_name" },

  "SAM-TUF-001": { exit: 2, meaning: "SAMUEL_TUF_MIRROR is neither an http(s) URL nor `off`" },

  // Signature verification (src/verify/).
  "SAM-VERIFY-001": { exit: 4, meaning: "the signature bundle is missing" },
  "SAM-VERIFY-002": {
    exit: 4,
    meaning: "the bundle is in cosign's legacy format (re-sign with --new-bundle-format)",
  },
  "SAM-VERIFY-003": { exit: 4, meaning: "the bundle's media type is not a Sigstore bundle samuel supports" },
  "SAM-VERIFY-004": {
    exit: 4,
    meaning: "the bundle is not a certificate-signed message or in-toto attestation",
  },
  "SAM-VERIFY-005": { exit: 4, meaning: "the signature bundle is malformed or cannot be processed" },
  "SAM-VERIFY-006": { exit: 4, meaning: "the file does not match its signature bundle" },
  "SAM-VERIFY-007": { exit: 4, meaning: "the signature is not valid for this file (or not the one logged)" },
  "SAM-VERIFY-008": { exit: 4, meaning: "the transparency log entry is missing or invalid" },
  "SAM-VERIFY-009": {
    exit: 4,
    meaning: "the certificate or transparency log is not trusted by the trusted root",
  },
  "SAM-VERIFY-010": { exit: 4, meaning: "the signer's OIDC issuer is not the expected one" },
  "SAM-VERIFY-011": { exit: 4, meaning: "the signer's identity matches no allowed pattern" },
  "SAM-VERIFY-012": { exit: 4, meaning: "the signed timestamp does not verify" },
  "SAM-VERIFY-013": { exit: 2, meaning: "the trusted root given cannot be used" },
  "SAM-VERIFY-014": {
    exit: 2,
    meaning: "an identity pattern, issuer or predicate type in samuel.toml is invalid",
  },
  // 020-029: in-toto attestations (DSSE bundles, src/verify/attestation.ts).
  "SAM-VERIFY-020": { exit: 4, meaning: "the attestation is about another file (no subject has its sha256)" },
  "SAM-VERIFY-021": { exit: 4, meaning: "the attestation's predicate type is not the one required" },
} as const satisfies Record<`SAM-${string}-${number}`, CodeEntry>;

/** Every code samuel reports. */
export type SamCode = keyof typeof CATALOGUE;
