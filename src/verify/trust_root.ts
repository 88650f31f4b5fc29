/**
 * Which Sigstore instance we trust: the public-good trusted root embedded in samuel (a snapshot of
 * `@sigstore/tuf`'s seed, imported as a JSON module so it ships inside the module graph and also works
 * under `deno run https://…/main.ts`; it is loaded on demand, off the start-up path), or a trusted root
 * file the user names (`--trusted-root FILE`, `[security].trusted_root`).
 */

import { trustedRootProblem } from "./trust_root_check.ts";
import { samuelError } from "../errors.ts";

/** The parts of a `trusted_root.json` we read ourselves; the rest goes to `@sigstore/verify` as is. */
export interface TrustedRootJson {
  mediaType: string;
  tlogs?: { logId?: { keyId?: string } }[];
  certificateAuthorities?: unknown[];
  [key: string]: unknown;
}

const MEDIA_TYPE_PREFIX = "application/vnd.dev.sigstore.trustedroot";

/** The embedded public-good trusted root. */
export async function embeddedTrustedRoot(): Promise<TrustedRootJson> {
  const mod = await import("./trusted_root.public-good.json", { with: { type: "json" } });
  return mod.default as TrustedRootJson;
}

/** Checks that `root` looks like a trusted root; `origin` names it in the error. */
export function asTrustedRoot(root: unknown, origin: string): TrustedRootJson {
  const r = root as TrustedRootJson | null;
  const problem = typeof r !== "object" || r === null || Array.isArray(r)
    ? "it is not a JSON object"
    : typeof r.mediaType !== "string" || !r.mediaType.startsWith(MEDIA_TYPE_PREFIX)
    ? `its mediaType is not ${MEDIA_TYPE_PREFIX}+json`
    : !Array.isArray(r.tlogs) || !Array.isArray(r.certificateAuthorities)
    ? "it lists no transparency logs or certificate authorities"
    : trustedRootProblem(r as unknown as Record<string, unknown>);
  if (problem) throw invalidRoot(origin, problem);
  return r as TrustedRootJson;
}

/** Reads and checks a user-given trusted root file. */
export async function readTrustedRootFile(path: string): Promise<TrustedRootJson> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw invalidRoot(path, `it cannot be read (${e instanceof Error ? e.message : String(e)})`, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidRoot(path, `it is not JSON (${e instanceof Error ? e.message : String(e)})`, e);
  }
  return asTrustedRoot(json, path);
}

/** The `logId.keyId` (base64) of every transparency log the root trusts. */
export function trustedLogIds(root: TrustedRootJson): Set<string> {
  return new Set((root.tlogs ?? []).map((t) => t.logId?.keyId).filter((k): k is string => !!k));
}

export function invalidRoot(origin: string, problem: string, inner?: unknown) {
  return samuelError("SAM-VERIFY-013", {
    message: `trusted root ${origin} cannot be used: ${problem}`,
    cause:
      "a trusted root is the trusted_root.json of a Sigstore instance (Fulcio CAs, Rekor and CT log keys)",
    fix: "pass the instance's trusted_root.json (e.g. from `cosign trusted-root create` or its TUF " +
      "repository) with --trusted-root FILE or [security].trusted_root, or drop the option to use the " +
      "embedded public-good root",
    inner,
  });
}
