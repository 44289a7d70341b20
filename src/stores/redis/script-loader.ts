import { createHash } from "node:crypto";

import { Cluster, type Redis } from "ioredis";

import { loadStoreFile } from "../load-file.ts";

/** Every script of the Redis store, by name (the file name without `.lua`). */
export const SCRIPT_NAMES = [
  "enqueue",
  "claim",
  "claim-candidates",
  "extend",
  "settle",
  "rescue",
  "progress",
  "log",
  "get",
  "list",
  "counts",
  "retry",
  "cancel",
  "remove",
  "prune",
  "insert-raw",
  "block",
  "pause-task",
  "upsert-schedule",
  "remove-schedule",
  "read-schedules",
  "fire-schedule",
] as const;

export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** The helpers every script starts with (see scripts/lib.lua and scripts/job-states.lua). */
export const SCRIPT_LIBRARIES = ["lib", "job-states"] as const;

const CLAIM_LIBRARIES = ["claim-limits", "claim-buckets", "claim-rotation"];
const ENQUEUE_LIBRARIES = ["job-numbers", "enqueue-job"];

/** Further helpers some scripts start with, after the common ones, in this order. */
export const SCRIPT_EXTRAS: Partial<Record<ScriptName, readonly string[]>> = {
  enqueue: [...ENQUEUE_LIBRARIES, "enqueued-events"],
  "fire-schedule": ENQUEUE_LIBRARIES,
  "insert-raw": ["job-numbers"],
  claim: CLAIM_LIBRARIES,
  "claim-candidates": CLAIM_LIBRARIES,
  get: ["job-record"],
  list: ["job-record"],
};

interface LoadedScript {
  source: string;
  sha: string;
}

let loaded: Map<ScriptName, LoadedScript> | null = null;

const lua = (name: string): string => loadStoreFile(`redis/scripts/${name}.lua`);

/** Reads every script once per process, each prefixed with the helpers it uses. */
function scripts(): Map<ScriptName, LoadedScript> {
  if (loaded) return loaded;
  loaded = new Map(
    SCRIPT_NAMES.map((name) => {
      const parts = [...SCRIPT_LIBRARIES, ...(SCRIPT_EXTRAS[name] ?? []), name];
      const source = parts.map(lua).join("\n");
      return [name, { source, sha: createHash("sha1").update(source).digest("hex") }];
    }),
  );
  return loaded;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/**
 * Runs a script on the queue whose key base is `base` (KEYS[1], which also routes the
 * call to the right Cluster node); `extraKeys` follow it as KEYS[2..] (single server
 * only: they live on other slots). It is called by SHA; a server that does not know the
 * script yet (first call, restart, failover) gets the source once through EVAL, which
 * also caches it there.
 */
export function runScript(
  client: Redis | Cluster,
  name: ScriptName,
  base: string,
  args: (string | number)[],
  extraKeys: readonly string[] = [],
): Promise<unknown> {
  const script = scripts().get(name) as LoadedScript;
  const numKeys = 1 + extraKeys.length;
  return client
    .evalsha(script.sha, numKeys, base, ...extraKeys, ...args)
    .catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return client.eval(script.source, numKeys, base, ...extraKeys, ...args);
    });
}

/** One script call of a {@link runScriptsTogether} batch. */
export interface ScriptCall {
  name: ScriptName;
  base: string;
  args: (string | number)[];
  /** Keys after `base` (KEYS[2..]); see {@link runScript}. */
  extraKeys?: readonly string[];
}

/**
 * Runs scripts on several queues as one unit where the server allows it. On a single
 * server they go in one MULTI/EXEC, so they all run with nothing in between, or none
 * runs when the connection drops first (EVAL rather than EVALSHA there: a script missing
 * from the cache would fail alone inside the transaction). On Redis Cluster the queues
 * live on different slots, so each script runs on its own, atomic for its queue only.
 */
export async function runScriptsTogether(
  client: Redis | Cluster,
  calls: ScriptCall[],
): Promise<unknown[]> {
  if (calls.length === 1) {
    const [call] = calls as [ScriptCall];
    return runScript(client, call.name, call.base, call.args, call.extraKeys).then((r) => [r]);
  }
  if (client instanceof Cluster) {
    return Promise.all(calls.map((c) => runScript(client, c.name, c.base, c.args, c.extraKeys)));
  }
  const transaction = client.multi();
  for (const call of calls) {
    const extraKeys = call.extraKeys ?? [];
    const source = (scripts().get(call.name) as LoadedScript).source;
    transaction.eval(source, 1 + extraKeys.length, call.base, ...extraKeys, ...call.args);
  }
  const replies = (await transaction.exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
