import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { Errand } from "../../src/errand.ts";
import type { JobContext } from "../../src/task-options.ts";

const dir = join(tmpdir(), `errand-sqlite-ctx-${process.pid}-${randomUUID().slice(0, 8)}`);
mkdirSync(dir, { recursive: true });
after(() => rmSync(dir, { recursive: true, force: true }));

test("a handler may destructure its context: each part works apart from ctx and is the same job's", async () => {
  const errand = new Errand({ store: `sqlite:${join(dir, "ctx.db")}`, logger: false });
  try {
    const seen: JobContext["job"][] = [];
    const task = errand.task<{ n: number }, number>({
      name: "ctx.parts",
      handler: async ({ n }, { job, log, progress, signal }) => {
        seen.push(job);
        log(`line ${n}`);
        await progress({ n });
        assert.equal(signal.aborted, false);
        return n * 2;
      },
    });
    const handles = await task.enqueueMany([{ data: { n: 1 } }, { data: { n: 2 } }]);
    errand.work({ concurrency: 2 });
    const results = await Promise.all(handles.map((h) => h.result({ timeout: "5s" })));
    assert.deepEqual(results, [2, 4]);
    for (const [i, handle] of handles.entries()) {
      const info = await errand.jobs.get(handle.id);
      assert.deepEqual(
        info?.logs.map((l) => l.message),
        [`line ${i + 1}`],
      );
      assert.deepEqual(info?.progress, { n: i + 1 });
      const job = seen.find((j) => j.id === handle.id);
      assert.equal(job?.name, "ctx.parts");
      assert.equal(job?.attempt, 1);
    }
  } finally {
    await errand.close();
  }
});
