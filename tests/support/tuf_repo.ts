/**
 * A TUF repository built by the test itself and served by `Deno.serve` on 127.0.0.1, shaped like
 * Sigstore's (`tuf-repo-cdn.sigstore.dev`): consistent snapshots, `N.root.json`, `timestamp.json`,
 * `N.snapshot.json`, `N.targets.json` and hash-prefixed targets under `/targets/`. Metadata is made and
 * signed with `@tufjs/models` (the library `tuf-js` verifies with) using ECDSA P-256 keys, the key type of
 * the public-good repository.
 *
 * Usage:
 * ```ts
 * await using repo = await startTufRepo();
 * repo.publish({ targets: { "trusted_root.json": JSON.stringify(root) } });
 * // samuel: SAMUEL_TUF_MIRROR=repo.url, SAMUEL_TEST_TUF_ROOT=<file holding repo.rootJson>
 * ```
 * Each `publish` replaces what is served with a fresh timestamp, snapshot and targets (version: the last
 * one + 1 unless given), so a test can turn a good repository hostile: expired metadata (`expires` in the
 * past), a rollback (`version` lower than a client has seen), or metadata signed by keys the root does not
 * list (`signer: tufKey()`). `down()` answers every request with a 503 (a mirror that is reachable but
 * failing); `close()` stops listening (nothing answers on the port).
 */

import { Buffer } from "node:buffer";
import nodeCrypto from "node:crypto";
import {
  Key,
  Metadata,
  MetaFile,
  Root,
  Signature,
  Snapshot,
  TargetFile,
  Targets,
  Timestamp,
} from "@tufjs/models";

/** A TUF signing key: its public half as root.json lists it, and a signer for `Metadata.sign`. */
export interface TufKey {
  key: Key;
  sign(data: Buffer): Signature;
}

/** A fresh ECDSA P-256 key (`ecdsa-sha2-nistp256`, the public-good repository's scheme). */
export function tufKey(): TufKey {
  const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const meta = {
    keyType: "ecdsa-sha2-nistp256",
    scheme: "ecdsa-sha2-nistp256",
    keyVal: { public: publicKey.export({ format: "pem", type: "spki" }).toString() },
  };
  const keyID = nodeCrypto.createHash("sha256").update(JSON.stringify(meta)).digest("hex");
  const key = new Key({ keyID, ...meta });
  return {
    key,
    sign: (data) =>
      new Signature({
        keyID,
        sig: nodeCrypto.createSign("sha256").update(data).sign(privateKey).toString("hex"),
      }),
  };
}

export interface PublishOptions {
  /** Target name -> content (e.g. `trusted_root.json`). */
  targets: Record<string, string>;
  /** Version of timestamp, snapshot and targets; default the previous one + 1 (1 at first). */
  version?: number;
  /** Expiry of timestamp, snapshot and targets; default a year from now. */
  expires?: Date;
  /** Signs timestamp, snapshot and targets; default the repository's own key (the one root.json lists). */
  signer?: TufKey;
}

export interface TufRepo extends AsyncDisposable {
  /** The mirror URL (what `SAMUEL_TUF_MIRROR` takes). */
  readonly url: string;
  /** The repository's `1.root.json` text: the initial root of trust a client must be given. */
  readonly rootJson: string;
  /** When `root.json` expires. */
  readonly rootExpires: Date;
  /** Every request, as `GET /path`, in order. */
  readonly requests: string[];
  /** Serves a new set of metadata and targets (see the module doc); returns the version used. */
  publish(options: PublishOptions): number;
  /** Answers every request with 503 until `up()`. */
  down(): void;
  up(): void;
  /** Stops the server: the port refuses connections from then on. */
  close(): Promise<void>;
}

function metaFile(bytes: string, version: number): MetaFile {
  return new MetaFile({
    version,
    length: Buffer.byteLength(bytes),
    hashes: { sha256: nodeCrypto.createHash("sha256").update(bytes).digest("hex") },
  });
}

function yearFromNow(): Date {
  return new Date(Date.now() + 365 * 24 * 3600 * 1000);
}

export interface StartTufRepoOptions {
  /** Expiry of root.json; default a year from now. */
  rootExpires?: Date;
}

/** Builds a repository (one key for every role, threshold 1) and starts serving it (nothing published yet). */
export function startTufRepo(options: StartTufRepoOptions = {}): Promise<TufRepo> {
  const own = tufKey();
  const rootExpires = options.rootExpires ?? yearFromNow();
  const root = new Metadata(
    new Root({
      version: 1,
      specVersion: "1.0.31",
      expires: rootExpires.toISOString().replace(/\.\d{3}Z$/, "Z"),
      consistentSnapshot: true,
    }),
  );
  for (const role of ["root", "timestamp", "snapshot", "targets"]) root.signed.addKey(own.key, role);
  root.sign((data) => own.sign(data));
  const rootJson = JSON.stringify(root.toJSON());

  const files = new Map<string, string>([["/1.root.json", rootJson]]);
  const requests: string[] = [];
  let failing = false;
  let last = 0;

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(`${req.method} ${path}`);
    if (failing) return new Response("unavailable", { status: 503 });
    const body = files.get(path);
    return body === undefined
      ? new Response("not found", { status: 404 })
      : new Response(body, { headers: { "content-type": "application/json" } });
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.shutdown();
  };

  const repo: TufRepo = {
    url: `http://127.0.0.1:${server.addr.port}`,
    rootJson,
    rootExpires,
    requests,
    publish(o) {
      const version = o.version ?? last + 1;
      last = Math.max(last, version);
      const expires = (o.expires ?? yearFromNow()).toISOString().replace(/\.\d{3}Z$/, "Z");
      const signer = o.signer ?? own;
      for (const path of [...files.keys()]) if (path !== "/1.root.json") files.delete(path);

      /** Signs `meta`, serves it at `path`, returns its bytes (what the next role's hashes cover). */
      const serve = (path: string, meta: Metadata<Targets | Snapshot | Timestamp>): string => {
        meta.sign((data) => signer.sign(data));
        const json = JSON.stringify(meta.toJSON());
        files.set(path, json);
        return json;
      };
      const common = { version, specVersion: "1.0.31", expires };
      const targets = new Metadata(new Targets(common));
      for (const [name, content] of Object.entries(o.targets)) {
        const digest = nodeCrypto.createHash("sha256").update(content).digest("hex");
        targets.signed.addTarget(
          new TargetFile({ path: name, length: Buffer.byteLength(content), hashes: { sha256: digest } }),
        );
        files.set(`/targets/${digest}.${name}`, content);
      }
      const targetsJson = serve(`/${version}.targets.json`, targets);
      const snapshot = new Snapshot({ ...common, meta: { "targets.json": metaFile(targetsJson, version) } });
      const snapshotJson = serve(`/${version}.snapshot.json`, new Metadata(snapshot));
      const timestamp = new Timestamp({ ...common, snapshotMeta: metaFile(snapshotJson, version) });
      serve("/timestamp.json", new Metadata(timestamp));
      return version;
    },
    down() {
      failing = true;
    },
    up() {
      failing = false;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return Promise.resolve(repo);
}
