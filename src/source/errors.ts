/**
 * The error codes of plugin sources and downloads, in one table so they stay stable and unique, and the
 * one-line constructors the other files in `src/source/` use.
 *
 * | code             | exit | meaning                                                                 |
 * |------------------|------|-------------------------------------------------------------------------|
 * | SAM-SOURCE-001   | 2    | the SOURCE argument matches none of the three forms                     |
 * | SAM-SOURCE-002   | 2    | invalid GitHub owner, repository or tag                                  |
 * | SAM-SOURCE-003   | 2    | invalid registry plugin name                                            |
 * | SAM-SOURCE-004   | 2    | invalid semver range                                                    |
 * | SAM-SOURCE-005   | 2    | `file://` with an empty path                                            |
 * | SAM-SOURCE-006   | 2    | local source folder (or archive) missing or unreadable                  |
 * | SAM-SOURCE-007   | 2    | `samuel-plugin.toml` missing in the source                              |
 * | SAM-SOURCE-008   | 2    | the module (or skill archive / `SKILL.md`) named by the manifest is missing |
 * | SAM-SOURCE-009   | 2    | a file of the source is larger than its limit                           |
 * | SAM-SOURCE-010   | 2    | the manifest cannot be read far enough to find the module (bad TOML, bad path, unsupported kind) |
 * | SAM-SOURCE-011   | 1    | the GitHub "latest release" answer has no usable `tag_name`              |
 * | SAM-REGISTRY-001 | 2    | no registries configured for a name lookup                              |
 * | SAM-REGISTRY-002 | 2    | invalid registry URL                                                    |
 * | SAM-REGISTRY-003 | 2    | an `index.toml` is not valid (TOML syntax or format)                     |
 * | SAM-REGISTRY-004 | 2    | the plugin name is in no configured registry                            |
 * | SAM-REGISTRY-005 | 2    | no listed version satisfies the range                                   |
 * | SAM-REGISTRY-006 | 1    | a registry index cannot be fetched and no cached copy exists            |
 * | SAM-DOWNLOAD-001 | 2    | HTTP 404: names the asset and the URL                                   |
 * | SAM-DOWNLOAD-002 | 1    | rate limited (GitHub rate-limit headers or 429): says when it resets    |
 * | SAM-DOWNLOAD-003 | 1    | TLS failure (certificate not trusted, handshake failed)                 |
 * | SAM-DOWNLOAD-004 | 1    | the response is larger than the size limit (aborted as soon as seen)    |
 * | SAM-DOWNLOAD-005 | 1    | timed out (connect or read), after the retries                          |
 * | SAM-DOWNLOAD-006 | 1    | connection failed (refused, reset, DNS), after the retries              |
 * | SAM-DOWNLOAD-007 | 1    | another HTTP error status (names status and URL; 5xx after the retries) |
 * | SAM-DOWNLOAD-008 | 1    | redirect problem (too many, or without a `Location`)                    |
 * | SAM-DOWNLOAD-009 | 2    | URL is not http(s)                                                      |
 * | SAM-ARCHIVE-001  | 2    | archive is not gzip or not a valid tar                                  |
 * | SAM-ARCHIVE-002  | 2    | an entry path is absolute, has `..`, or otherwise leaves the target     |
 * | SAM-ARCHIVE-003  | 2    | an entry is a link (symlink or hardlink; refused by design)             |
 * | SAM-ARCHIVE-004  | 2    | an entry is a device, FIFO or unknown type                              |
 * | SAM-ARCHIVE-005  | 2    | archive bomb: too many entries or too many unpacked bytes               |
 * | SAM-ARCHIVE-006  | 2    | an entry appears twice, or a file and a folder share a path             |
 */

import { Exit, type ExitCode, SamuelError } from "../errors.ts";

/** The three source forms, for every "fix" that tells the user what a SOURCE may look like. */
export const SOURCE_FORMS_FIX =
  "use one of: samuel install file://<dir> (a local plugin folder or skill .tar.gz), " +
  "samuel install <owner>/<repo>[@<tag>] (GitHub release), samuel install <name>[@<range>] (registry name)";

export function sourceError(
  code: string,
  message: string,
  fix: string,
  cause?: string,
  exit: ExitCode = Exit.invalidInput,
  inner?: unknown,
): SamuelError {
  return new SamuelError({ code, message, exit, fix, cause, inner });
}
