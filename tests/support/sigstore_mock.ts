/**
 * A private Sigstore instance for tests: `@sigstore/mock`'s Fulcio, Rekor (v1) and TSA handlers served by
 * `Deno.serve` on 127.0.0.1 (a free port), plus `@sigstore/sign` to sign bytes against them exactly as a
 * plugin author's CI does, and the trusted root that trusts this instance (and nothing else).
 *
 * Usage:
 * ```ts
 * await using sigstore = await startMockSigstore();
 * const bundleText = await sigstore.sign(bytes, { san: "https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v0.1.0" });
 * await verifyArtifact({ artifact: bytes, bundleText, bundleName: "hello.wasm.bundle", policy,
 *   trustedRoot: sigstore.trustedRoot });
 * ```
 * `attest(bytes, { predicateType })` signs an in-toto Statement v1 about `bytes` (its sha256 as the subject)
 * as a DSSE bundle, as GitHub's `actions/attest-build-provenance` does.
 *
 * Two instances started side by side are two different Sigstore deployments (own CA, CT log, Rekor and
 * TSA keys): a bundle from one fails against the other's root, as a bundle from staging would.
 *
 * Pitfalls handled here (PLATFORM-NOTES.md): every mock initialiser gets one fixed whole-second clock
 * (otherwise the TSA time is rejected now and then); the mock's Rekor v2 does not verify, so Rekor v1 is
 * used; `@sigstore/sign` writes v0.2 bundles, and `toBundleV03` converts one to v0.3; the `debug` package the
 * mock loads needs `--allow-env`; DSSE bundles are logged as `intoto` entries (the mock's Rekor v1
 * stores a proposed `dsse` entry unchanged, which no verifier accepts). Signing calls `node:crypto` `sign(null, …)`, so the same null-digest fix
 * as verification is applied first.
 */

import { Buffer } from "node:buffer";
import nodeCrypto from "node:crypto";
import { applyCryptoPatch } from "../../src/verify/crypto_patch.ts";

/** GitHub Actions' issuer: what plugin authors' CI certificates carry. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** A SAN that the default policy for `acme/hello` accepts. */
export const ACME_RELEASE_SAN =
  "https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v0.1.0";

export interface MockSignOptions {
  /** Certificate SAN (a URI); default `ACME_RELEASE_SAN`. */
  san?: string;
  /** OIDC issuer written into the certificate; default `GITHUB_ISSUER`. */
  issuer?: string;
  /** Also get an RFC 3161 timestamp from the mock TSA (default true). */
  timestamp?: boolean;
  /** Sign a DSSE envelope (an attestation with this payload type) instead of a message signature. */
  dssePayloadType?: string;
}

/** An in-toto attestation to sign: by default SLSA provenance v1 about the artifact's sha256. */
export interface MockAttestOptions extends Omit<MockSignOptions, "dssePayloadType"> {
  /** Default `SLSA_PROVENANCE_V1`. */
  predicateType?: string;
  /** The statement's subjects; default one subject, `name` with the artifact's sha256. */
  subjects?: { name?: string; digest: Record<string, string> }[];
  /** Subject name of the default subject (default `plugin.wasm`). */
  name?: string;
  /** Statement `_type` (default in-toto Statement v1). */
  statementType?: string;
}

export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";

/** The in-toto Statement v1 JSON that `attest` signs. */
export function inTotoStatement(artifact: Uint8Array, opts: MockAttestOptions = {}): Uint8Array {
  const sha256 = nodeCrypto.createHash("sha256").update(artifact).digest("hex");
  const statement = {
    _type: opts.statementType ?? IN_TOTO_STATEMENT_V1,
    subject: opts.subjects ?? [{ name: opts.name ?? "plugin.wasm", digest: { sha256 } }],
    predicateType: opts.predicateType ?? SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: "https://actions.github.io/buildtypes/workflow/v1",
        externalParameters: {},
      },
      runDetails: { builder: { id: "https://github.com/actions/runner/github-hosted" } },
    },
  };
  return new TextEncoder().encode(JSON.stringify(statement));
}

export interface MockSigstore extends AsyncDisposable {
  /** `trusted_root.json` content (parsed) that trusts exactly this instance. */
  readonly trustedRoot: Record<string, unknown>;
  /** The base URL of all three services (they share one server). */
  readonly url: string;
  /** The fixed clock every service uses (whole second). */
  readonly clock: Date;
  /** Signs `artifact` and returns the bundle as JSON text (media type v0.2, as `@sigstore/sign` writes). */
  sign(artifact: Uint8Array, options?: MockSignOptions): Promise<string>;
  /** Attests `artifact`: a DSSE bundle (v0.2) over an in-toto statement whose subject is its sha256. */
  attest(artifact: Uint8Array, options?: MockAttestOptions): Promise<string>;
  /** Stops the server. */
  close(): Promise<void>;
}

export interface StartMockOptions {
  /** The instance's clock; default a whole second 2 s ahead of now (see below). */
  clock?: Date;
}

const V03_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

/**
 * Rewrites a v0.1/v0.2 bundle (JSON text) as v0.3: media type `application/vnd.dev.sigstore.bundle.v0.3+json`
 * and a single leaf `certificate` in place of the certificate chain, as cosign 2 writes it.
 */
export function toBundleV03(bundleText: string, mediaType: string = V03_MEDIA_TYPE): string {
  const bundle = JSON.parse(bundleText);
  const material = bundle.verificationMaterial;
  const chain = material.x509CertificateChain;
  if (chain) {
    delete material.x509CertificateChain;
    material.certificate = chain.certificates[0];
  }
  bundle.mediaType = mediaType;
  return JSON.stringify(bundle);
}

function base64(bytes: ArrayBufferView | ArrayBuffer): string {
  const view = bytes instanceof ArrayBuffer
    ? new Uint8Array(bytes)
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Buffer.from(view).toString("base64");
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

/** An unsigned OIDC token: the mock Fulcio decodes it without checking a signature. */
function identityToken(san: string, issuer: string): string {
  const claims = { iss: issuer, sub: san, aud: "sigstore", iat: Math.floor(Date.now() / 1000) };
  return `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}.`;
}

function p256() {
  return nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
}

/** Starts one mock Sigstore instance. Needs --allow-net (127.0.0.1) and --allow-env. */
export async function startMockSigstore(options: StartMockOptions = {}): Promise<MockSigstore> {
  applyCryptoPatch();
  const mock = await import("@sigstore/mock");
  const sign = await import("@sigstore/sign");
  const { bundleToJSON } = await import("@sigstore/bundle");

  // The mock's TSA certificates take the real time of their creation as notBefore (whole seconds), while
  // its timestamps carry `clock`: a clock at or before "now" fails whenever the set-up crosses a second
  // boundary (~1 instance in 40 under load). A whole second at least 2 s ahead keeps every timestamp
  // inside the TSA certificates' validity.
  const clock = options.clock ?? new Date((Math.floor(Date.now() / 1000) + 2) * 1000);
  const handlers = new Map<
    string,
    (body: string) => Promise<{ statusCode: number; response: unknown; contentType?: string }>
  >();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const fn = handlers.get(new URL(req.url).pathname);
    if (!fn || req.method !== "POST") return new Response("not found", { status: 404 });
    const result = await fn(await req.text());
    const body = typeof result.response === "string"
      ? result.response
      : new Uint8Array(result.response as Uint8Array);
    return new Response(body, {
      status: result.statusCode,
      headers: { "content-type": result.contentType ?? "text/plain" },
    });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;

  const ctLog = await mock.initializeCTLog(p256(), clock);
  const ca = await mock.initializeCA(p256(), ctLog, clock);
  const tlog = await mock.initializeTLog(url, p256(), clock);
  const tsa = await mock.initializeTSA(p256(), clock);
  for (const h of [mock.fulcioHandler(ca), mock.rekorHandler(tlog), mock.tsaHandler(tsa)]) {
    handlers.set(h.path, h.fn as never);
  }

  // Valid from an hour before the clock, so certificates and log entries made at `clock` fall inside.
  const validFor = { start: new Date(clock.getTime() - 3_600_000).toISOString() };
  const keyId = (der: Uint8Array) => base64(nodeCrypto.createHash("sha256").update(der).digest());
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [{
      baseUrl: url,
      hashAlgorithm: "SHA2_256",
      publicKey: { rawBytes: base64(tlog.publicKey), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor },
      logId: { keyId: keyId(tlog.publicKey) },
    }],
    certificateAuthorities: [{
      subject: { organization: "sigstore.mock", commonName: "sigstore" },
      uri: url,
      certChain: { certificates: [{ rawBytes: base64(ca.rootCertificate) }] },
      validFor,
    }],
    ctlogs: [{
      baseUrl: url,
      hashAlgorithm: "SHA2_256",
      publicKey: { rawBytes: base64(ctLog.publicKey), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor },
      logId: { keyId: base64(ctLog.logID) },
    }],
    timestampAuthorities: [{
      subject: { organization: "sigstore.mock", commonName: "tsa" },
      uri: url,
      certChain: {
        certificates: [{ rawBytes: base64(tsa.intCertificate) }, { rawBytes: base64(tsa.rootCertificate) }],
      },
      validFor,
    }],
  };

  const noRetry = { retry: false as const, timeout: 10_000 };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.shutdown();
  };

  const self: MockSigstore = {
    trustedRoot,
    url,
    clock,
    attest(artifact, opts = {}) {
      return self.sign(inTotoStatement(artifact, opts), {
        ...opts,
        dssePayloadType: "application/vnd.in-toto+json",
      });
    },
    async sign(artifact, opts = {}) {
      const token = identityToken(opts.san ?? ACME_RELEASE_SAN, opts.issuer ?? GITHUB_ISSUER);
      const signer = new sign.FulcioSigner({
        fulcioBaseURL: url,
        identityProvider: { getToken: () => Promise.resolve(token) },
        ...noRetry,
      });
      const witnesses: InstanceType<typeof sign.RekorWitness | typeof sign.TSAWitness>[] = [
        // DSSE goes in as an `intoto` entry: the mock's Rekor v1 logs the proposed entry as the body, and
        // only an intoto proposal carries what a verifier compares (signatures, payload hash); a `dsse`
        // proposal holds the raw envelope, which real Rekor rewrites and the mock does not.
        new sign.RekorWitness({
          rekorBaseURL: url,
          majorApiVersion: 1,
          ...(opts.dssePayloadType ? { entryType: "intoto" as const } : {}),
          ...noRetry,
        }),
      ];
      if (opts.timestamp !== false) witnesses.push(new sign.TSAWitness({ tsaBaseURL: url, ...noRetry }));
      const data = Buffer.from(artifact.buffer, artifact.byteOffset, artifact.byteLength);
      const builder = opts.dssePayloadType
        ? new sign.DSSEBundleBuilder({ signer, witnesses })
        : new sign.MessageSignatureBundleBuilder({ signer, witnesses });
      const bundle = await builder.create({ data, type: opts.dssePayloadType });
      return JSON.stringify(bundleToJSON(bundle));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return self;
}
