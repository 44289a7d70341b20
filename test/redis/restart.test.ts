/*
 * Redis killed (SIGKILL) and started again on the same AOF in the middle of a run of
 * 5,000 jobs, in this test's own redis-server with `appendfsync always`: every job whose
 * enqueue was acknowledged must still complete. Prints the run's figures.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Errand } from "../../src/errand.ts";
import { StoreUnavailableError } from "../../src/errors.ts";
import { type Logger, silentLogger } from "../../src/logger.ts";
import { RedisStore } from "../../src/stores/redis/redis-store.ts";
import { hasRedisServer, RedisServer } from "./redis-servers.ts";

const JOBS = 5_000;
const BATCH = 25;
const DOWNTIME_MS = 500;

interface ProducerFigures {
  acknowledged: string[];
  refused: number;
  slowestRefusalMs: number;
}

/** Enqueues JOBS jobs in batches, retrying a refused batch, and kills Redis half-way. */
async function produce(
  enqueue: (from: number) => Promise<string[]>,
  atHalf: () => void,
): Promise<ProducerFigures> {
  const figures: ProducerFigures = { acknowledged: [], refused: 0, slowestRefusalMs: 0 };
  let killed = false;
  for (let from = 0; from < JOBS; from += BATCH) {
    for (;;) {
      const started = Date.now();
      try {
        figures.acknowledged.push(...(await enqueue(from)));
        break;
      } catch (error) {
        assert.ok(error instanceof StoreUnavailableError, `unexpected error: ${String(error)}`);
        figures.refused += 1;
        figures.slowestRefusalMs = Math.max(figures.slowestRefusalMs, Date.now() - started);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    if (!killed && figures.acknowledged.length >= JOBS / 2) {
      killed = true;
      atHalf();
    }
  }
  return figures;
}

/** Waits (bounded) until `done()` holds, checking every 100 ms. */
async function until(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("Redis restart", { skip: !hasRedisServer() && "redis-server is not installed" }, () => {
  it("a Redis restarted in the middle of 5,000 jobs loses none of the acknowledged jobs", async () => {
    const server = await RedisServer.start(["--appendonly", "yes", "--appendfsync", "always"]);
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => void warnings.push(m) };
    const store = new RedisStore({ url: server.url, prefix: "restart", logger });
    const errand = new Errand({ store, logger });
    const runs = new Map<string, number>();
    const task = errand.task<{ i: number }>({
      name: "count",
      handler: (_data, ctx) => void runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1),
    });
    const started = Date.now();
    let restart: Promise<void> = Promise.resolve();
    let downAt = 0;
    let upAt = 0;
    try {
      errand.work({ concurrency: 50, lease: "10s", pollInterval: "100ms" });
      const figures = await produce(
        async (from) => {
          const items = Array.from({ length: BATCH }, (_, i) => ({ data: { i: from + i } }));
          return (await task.enqueueMany(items)).map((job) => job.id);
        },
        () => {
          downAt = Date.now();
          restart = server
            .kill()
            .then(() => new Promise((r) => setTimeout(r, DOWNTIME_MS)))
            .then(() => server.launch())
            .then(() => void (upAt = Date.now()));
        },
      );
      await restart;
      const ids = figures.acknowledged;
      await until(
        async () => (await store.counts({ queue: "default" })).completed >= ids.length,
        60_000,
      );
      const records = await store.get({ ids });
      const missing = ids.filter((_, i) => records[i] === null);
      const unfinished = records.filter((r) => r !== null && r.state !== "completed");
      const twice = [...runs.values()].filter((n) => n > 1).length;
      console.log(
        [
          `restart test: ${ids.length} jobs acknowledged, ${missing.length} lost, ` +
            `${unfinished.length} not completed, ${ids.filter((id) => runs.has(id)).length} ran, ` +
            `${twice} ran more than once (at least once delivery)`,
          `restart test: Redis down ${upAt - downAt} ms (SIGKILL, restart on the same AOF); ` +
            `${figures.refused} enqueue batches refused with StoreUnavailableError, ` +
            `slowest refusal ${figures.slowestRefusalMs} ms; whole run ${Date.now() - started} ms; ` +
            `${warnings.length} warnings logged`,
        ].join("\n"),
      );
      console.log(`restart test: warnings: ${[...new Set(warnings)].join(" | ")}`);
      assert.equal(ids.length, JOBS);
      assert.deepEqual(missing, []);
      assert.equal(unfinished.length, 0);
      assert.ok(ids.every((id) => runs.has(id)));
      assert.ok(figures.refused > 0, "the producer never saw Redis down: the test proved nothing");
      assert.ok(figures.slowestRefusalMs < 3_000, "refusals must come promptly");
    } finally {
      await errand.close({ grace: 0 });
      await server.stop();
    }
  });
});
