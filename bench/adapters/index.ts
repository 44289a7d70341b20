/**
 * The systems under test. Each is loaded on demand, so a worker process imports only the
 * library it runs (its memory is part of the results).
 */
import type { BenchSystem } from "./types.ts";

type Loader = () => Promise<BenchSystem>;

const errand =
  (server: "sqlite" | "postgres" | "redis", keepCompleted?: 0): Loader =>
  async () =>
    (await import("./errand.ts")).errandSystem(
      keepCompleted === undefined ? { server } : { server, keepCompleted },
    );

/** Every system id, in table order (Errand on each store first, then the peers), with its loader. */
export const SYSTEM_LOADERS: ReadonlyMap<string, Loader> = new Map<string, Loader>([
  ["errand-sqlite", errand("sqlite")],
  ["errand-sqlite-k0", errand("sqlite", 0)],
  ["errand-postgres", errand("postgres")],
  ["errand-postgres-k0", errand("postgres", 0)],
  ["errand-redis", errand("redis")],
  ["errand-redis-k0", errand("redis", 0)],
  ["bullmq", async () => (await import("./bullmq.ts")).bullmqSystem],
  ["bee-queue", async () => (await import("./bee-queue.ts")).beeQueueSystem],
  ["pg-boss", async () => (await import("./pg-boss.ts")).pgBossSystem],
  ["graphile-worker", async () => (await import("./graphile-worker.ts")).graphileWorkerSystem],
]);

/** Loads one system by id; throws for an unknown id, listing the known ones. */
export async function loadSystem(id: string): Promise<BenchSystem> {
  const load = SYSTEM_LOADERS.get(id);
  if (!load)
    throw new Error(`unknown system "${id}"; known: ${[...SYSTEM_LOADERS.keys()].join(", ")}`);
  return load();
}

/** Systems that are another system with different settings; the smoke run skips them. */
export const VARIANTS: ReadonlySet<string> = new Set([
  "errand-sqlite-k0",
  "errand-postgres-k0",
  "errand-redis-k0",
]);
