import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import type { NewJob, Outcome } from "../../src/stores/contract.ts";
import { SqliteStore } from "../../src/stores/sqlite/sqlite-store.ts";
import { newJob } from "../harness/new-job.ts";

const dir = join(tmpdir(), `errand-sqlite-settle-${process.pid}-${randomUUID().slice(0, 8)}`);
mkdirSync(dir, { recursive: true });
after(() => rmSync(dir, { recursive: true, force: true }));

function job(n: number): NewJob {
  return newJob({ queue: "q", data: JSON.stringify(n), maxStalls: 1 });
}

async function claimed(store: SqliteStore, n: number, now: number) {
  await store.enqueue({ jobs: Array.from({ length: n }, (_, i) => job(i)), now });
  const { jobs } = await store.claim({
    queues: ["q"],
    limit: n,
    leaseMs: 60_000,
    workerId: "w",
    now,
  });
  assert.equal(jobs.length, n);
  return jobs.sort((a, b) => Number(a.id) - Number(b.id));
}

test("a mixed settle batch applies each outcome by kind, fenced by each token, in input order", async () => {
  const store = new SqliteStore({ path: join(dir, "mixed.db") });
  const now = 1_000_000;
  try {
    const [a, b, c, d, e, f, g] = await claimed(store, 7, now);
    const outcomes: Outcome[] = [
      { kind: "retry", id: b!.id, token: b!.token, error: '{"m":"b"}', delayMs: 5_000 },
      { kind: "complete", id: a!.id, token: a!.token, result: '"ra"', remove: false },
      { kind: "dead", id: c!.id, token: c!.token, error: '{"m":"c"}' },
      { kind: "complete", id: d!.id, token: "stale", result: '"rd"', remove: false },
      { kind: "complete", id: e!.id, token: e!.token, result: "null", remove: true },
      { kind: "release", id: f!.id, token: f!.token },
      { kind: "postpone", id: g!.id, token: g!.token, delayMs: 0 },
      { kind: "complete", id: "not-an-id", token: "x", result: "1", remove: false },
    ];
    assert.deepEqual(await store.settle({ outcomes, now }), [
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
    const got = await store.get({ ids: [a!.id, b!.id, c!.id, d!.id, e!.id, f!.id, g!.id], now });
    assert.deepEqual(
      got.map((r) => r && [r.state, r.result, r.error, r.runAt, r.attempt]),
      [
        ["completed", '"ra"', null, now, 1],
        ["scheduled", null, '{"m":"b"}', now + 5_000, 1],
        ["dead", null, '{"m":"c"}', now, 1],
        ["active", null, null, now, 1],
        null,
        ["waiting", null, null, now, 0],
        ["waiting", null, null, now, 0],
      ],
    );
  } finally {
    await store.close();
  }
});

test("a batch naming one job twice applies only the first outcome", async () => {
  const store = new SqliteStore({ path: join(dir, "twice.db") });
  const now = 1_000_000;
  try {
    const [a, b] = await claimed(store, 2, now);
    const applied = await store.settle({
      outcomes: [
        { kind: "dead", id: a!.id, token: a!.token, error: '{"m":"first"}' },
        { kind: "complete", id: b!.id, token: b!.token, result: '"b"', remove: false },
        { kind: "complete", id: a!.id, token: a!.token, result: '"second"', remove: false },
      ],
      now,
    });
    assert.deepEqual(applied, [true, true, false]);
    const [ra] = await store.get({ ids: [a!.id], now });
    assert.equal(ra?.state, "dead");
  } finally {
    await store.close();
  }
});
