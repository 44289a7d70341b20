import { ConfigError } from "../../errors.ts";
import type { RedisClient } from "./connection.ts";
import type { RedisKeys } from "./keys.ts";

/**
 * The data layout this release writes; `migrate` refuses data from another one. Layout 2
 * (flow control) splits the waiting jobs into lanes by group and task; layout 1 was never
 * released.
 */
export const LAYOUT_VERSION = 2;

/** Runs one client call the way the store does (connection ready, errors mapped). */
export type CallFn = <T>(fn: (client: RedisClient) => Promise<T>) => Promise<T>;

/**
 * Records the layout version under a fresh prefix, or refuses data that another layout
 * wrote: reading it with this release's scripts would corrupt it.
 */
export async function checkLayout(call: CallFn, keys: RedisKeys): Promise<void> {
  const stored = await call((client) => client.get(keys.version));
  if (stored !== null && Number(stored) > LAYOUT_VERSION) {
    throw new ConfigError(
      `The Redis data under prefix "${keys.prefix}" was written by a newer Errand (layout ${stored}); upgrade this process.`,
    );
  }
  if (stored !== null && Number(stored) < LAYOUT_VERSION) {
    throw new ConfigError(
      `The Redis data under prefix "${keys.prefix}" was written by a pre-release Errand (layout ${stored}); drain it with that build, or use another prefix.`,
    );
  }
  if (stored === null) await call((client) => client.set(keys.version, LAYOUT_VERSION, "NX"));
}
