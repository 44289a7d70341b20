import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";

import { Errand } from "../../src/errand.ts";

const dir = join(tmpdir(), `errand-sqlite-turns-${process.pid}-${randomUUID().slice(0, 8)}`);
mkdirSync(dir, { recursive: true });
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/*
 * SQLite answers synchronously, so a worker's claims, handlers and settles can follow one
 * another as microtasks alone. These tests fail if the worker drains a backlog without
 * letting a timer run: the timer set as the drain starts must fire while jobs remain.
 */
for (const { concurrency, prefetch } of [
  { concurrency: 50, prefetch: 200 },
  { concurrency: 1, prefetch: 0 },
]) {
  test(`a worker draining a SQLite backlog lets timers run (concurrency ${concurrency}, prefetch ${prefetch})`, async () => {
    const errand = new Errand({ store: `sqlite:${join(dir, `t${++files}.db`)}` });
    const total = 6_000;
    let done = 0;
    const task = errand.task<{ n: number }>({
      name: "turns.noop",
      queue: "turns",
      handler: () => {
        done++;
      },
    });
    try {
      for (let n = 0; n < total; n += 1_000) {
        await task.enqueueMany(Array.from({ length: 1_000 }, (_, i) => ({ data: { n: n + i } })));
      }
      let doneWhenTimerRan = -1;
      const worker = errand.work({ queues: ["turns"], concurrency, prefetch });
      await worker.started();
      setTimeout(() => {
        doneWhenTimerRan = done;
      }, 0);
      while (done < total) await delay(5);
      assert.ok(doneWhenTimerRan >= 0, "the timer ran");
      assert.ok(
        doneWhenTimerRan < total,
        `the timer ran only after the backlog was drained (${doneWhenTimerRan} of ${total} done)`,
      );
    } finally {
      await errand.close({ grace: 0 });
    }
  });
}
