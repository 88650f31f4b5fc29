// The soft deadline, from [runtime] timeout in samuel-plugin.toml.

import { host_deadline_ms } from "./abi";

/**
 * Milliseconds left before the invocation's soft deadline; negative once it has passed. Past the hard
 * timeout the host stops the plugin, so long-running work should check this and wrap up early with a
 * partial result.
 */
export function deadlineMs(): i64 {
  return host_deadline_ms();
}

/** Whether the soft deadline has passed. */
export function pastDeadline(): bool {
  return host_deadline_ms() < 0;
}
