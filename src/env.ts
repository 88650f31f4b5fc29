/**
 * Reading the environment without a permission prompt or crash: every layer reads optional settings
 * (`SAMUEL_*`, `HOME`, `GITHUB_TOKEN`), and a process without `--allow-env` for a key must simply see it
 * as unset.
 */

/** The variable's value, or undefined when it is unset or not readable. */
export function envGet(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}
