/**
 * Writing TOML values by hand, for the files samuel generates or edits line by line (`samuel.lock`, the
 * `[[plugins]]` entries of `samuel.toml`), where a generic serialiser would not give stable formatting.
 */

/** A TOML basic string. JSON's escapes are valid TOML escapes; TOML also forbids a raw DEL. */
export function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\x7f/g, "\\u007F");
}

/** A one-line TOML array of strings: `["a", "b"]`, or `[]`. */
export function tomlStringArray(items: readonly string[]): string {
  return `[${items.map(tomlString).join(", ")}]`;
}
