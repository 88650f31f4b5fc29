/**
 * The structural check of a `trusted_root.json`, as strict as the bundle gate: every transparency log and
 * CT log names its key id, carries its key bytes and the start of the key's validity; every certificate
 * authority and timestamp authority carries a certificate chain and the start of its validity; every
 * time is an RFC 3339 timestamp and every end comes after its start. `@sigstore/verify` reads a missing
 * `validFor.start` as "valid since forever", which would let a stripped-down root widen what it trusts
 * (sigstore-conformance `trust-root-tlog-missing-validity-start_fail`), so we refuse such a root instead.
 * Runs on plain JSON; returns the first problem, or undefined when the root is well formed.
 */

type Json = Record<string, unknown>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isBase64(v: unknown): boolean {
  return typeof v === "string" && v.length > 0 && v.length % 4 === 0 && BASE64.test(v);
}

function timeProblem(v: unknown, what: string): string | undefined {
  if (typeof v !== "string" || !RFC3339.test(v) || Number.isNaN(Date.parse(v))) {
    return `${what} is not an RFC 3339 timestamp`;
  }
  return undefined;
}

/** A `validFor` range: `start` is required (an open start would mean "trusted since forever"). */
function validityProblem(range: unknown, where: string): string | undefined {
  if (!isObject(range)) return `${where} has no validFor range`;
  // Protobuf JSON writes an unset field as null or leaves it out: both mean "absent".
  if (range.start === undefined || range.start === null) {
    return `${where} has no validFor.start (a validity range must have a start)`;
  }
  const start = timeProblem(range.start, `${where} validFor.start`);
  if (start) return start;
  if (range.end === undefined || range.end === null) return undefined;
  const end = timeProblem(range.end, `${where} validFor.end`);
  if (end) return end;
  return Date.parse(range.end as string) < Date.parse(range.start as string)
    ? `${where} validFor.end is before its start`
    : undefined;
}

function logProblem(log: unknown, where: string): string | undefined {
  if (!isObject(log)) return `${where} is not an object`;
  if (!isObject(log.logId) || !isBase64(log.logId.keyId)) return `${where} has no base64 logId.keyId`;
  const key = log.publicKey;
  if (!isObject(key)) return `${where} has no publicKey`;
  if (!isBase64(key.rawBytes)) return `${where} publicKey has no base64 rawBytes`;
  if (typeof key.keyDetails !== "string" || key.keyDetails === "") {
    return `${where} publicKey has no keyDetails`;
  }
  return validityProblem(key.validFor, `${where} publicKey`);
}

function authorityProblem(authority: unknown, where: string): string | undefined {
  if (!isObject(authority)) return `${where} is not an object`;
  const certs = isObject(authority.certChain) ? authority.certChain.certificates : undefined;
  if (!Array.isArray(certs) || certs.length === 0) return `${where} has no certChain.certificates`;
  if (certs.some((c) => !isObject(c) || !isBase64(c.rawBytes))) {
    return `${where} has a certificate without base64 rawBytes`;
  }
  return validityProblem(authority.validFor, where);
}

function listProblem(
  root: Json,
  key: string,
  check: (entry: unknown, where: string) => string | undefined,
  required: boolean,
): string | undefined {
  const list = root[key];
  if (list === undefined && !required) return undefined;
  if (!Array.isArray(list)) return `its ${key} is not a list`;
  for (let i = 0; i < list.length; i++) {
    const problem = check(list[i], `${key}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

/** The first structural problem of `root` (already known to be an object with a trusted-root media type). */
export function trustedRootProblem(root: Json): string | undefined {
  return listProblem(root, "tlogs", logProblem, true) ??
    listProblem(root, "certificateAuthorities", authorityProblem, true) ??
    listProblem(root, "ctlogs", logProblem, false) ??
    listProblem(root, "timestampAuthorities", authorityProblem, false);
}
