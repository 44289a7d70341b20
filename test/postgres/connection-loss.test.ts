/*
 * Connection loss without touching the shared server: producers facing a dead or silent
 * address get StoreUnavailableError promptly, and workers whose connections the server
 * kills (pg_terminate_backend, only this test's own sessions) keep going, with the
 * event listener reconnecting on its own.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { after, describe, it } from "node:test";

import pg from "pg";

import { Errand } from "../../src/errand.ts";
import { StoreUnavailableError } from "../../src/errors.ts";
import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const schemas: string[] = [];
after(() => dropTestSchema(...schemas));

const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => unhandled.push(reason));

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as { port: number }).port, sockets };
}

async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("connection loss on PostgreSQL", () => {
  it("a producer gets StoreUnavailableError at once when nothing listens", async () => {
    const { server, port } = await silentServer();
    server.close(); // the port is now free, so connecting is refused
    await once(server, "close");
    const errand = new Errand({
      store: `postgres://postgres@127.0.0.1:${port}/test`,
      logger: false,
    });
    const started = Date.now();
    await assert.rejects(errand.enqueue("lost.job", {}), StoreUnavailableError);
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
    await errand.close();
  });

  it("a producer gets StoreUnavailableError within the connect timeout when the server is silent", async () => {
    const { server, port, sockets } = await silentServer();
    const pool = new pg.Pool({ host: "127.0.0.1", port, connectionTimeoutMillis: 300 });
    const errand = new Errand({ store: new PostgresStore({ pool }), logger: false });
    try {
      const started = Date.now();
      await assert.rejects(errand.enqueue("lost.job", {}), StoreUnavailableError);
      assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    } finally {
      await errand.close();
      await pool.end();
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it("workers keep running when the server kills their connections, and events resume", async () => {
    const schema = testSchemaName();
    schemas.push(schema);
    const appName = `errand_kill_${randomBytes(4).toString("hex")}`;
    const url = `${TEST_PG_URL}?application_name=${appName}&schema=${schema}`;
    const producer = new Errand({ store: url, logger: false });
    const workerErrand = new Errand({ store: url, logger: false });
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    let killedAt = "";
    const kill = async (): Promise<number> => {
      const { rows } = await admin.query<{ n: number; at: string }>(
        "SELECT count(pg_terminate_backend(pid))::int AS n, now()::text AS at FROM pg_stat_activity WHERE application_name = $1",
        [appName],
      );
      killedAt = rows[0]?.at ?? "";
      return rows[0]?.n ?? 0;
    };
    const listenerBack = async (): Promise<boolean> => {
      const { rows } = await admin.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%LISTEN %' AND backend_start > $2::timestamptz",
        [appName, killedAt],
      );
      return (rows[0]?.n ?? 0) > 0;
    };
    try {
      let ran = 0;
      workerErrand.task<{ n: number }>({
        name: "kill.job",
        handler: async (data) => {
          ran++;
          // Long enough that the kills land while jobs are running and settling.
          await new Promise((resolve) => setTimeout(resolve, 20));
          return data.n;
        },
      });
      const task = producer.task<{ n: number }>({ name: "kill.job" });
      // A poll of an hour: after the kills only a reconnected listener can wake this worker.
      const worker = workerErrand.work({ concurrency: 2, pollInterval: "1h", lease: "5s" });
      await worker.started();
      const jobs = await task.enqueueMany(Array.from({ length: 50 }, (_, n) => ({ data: { n } })));
      assert.equal(jobs.length, 50);
      for (let round = 0; round < 3; round++) {
        if (round > 0) await until(listenerBack, "the listeners to reconnect");
        await until(async () => ran > round * 10 + 5, "some jobs to run");
        assert.ok((await kill()) > 0, "no session of this test to kill");
      }
      await until(listenerBack, "the listeners to reconnect");
      const last = await retrying(() => task.enqueue({ n: 50 }));
      assert.equal(await last.result({ timeout: "10s" }), 50);
      const counts = await retrying(() => producer.queues.counts("default"));
      assert.equal(counts.completed, 51, JSON.stringify(counts));
      assert.deepEqual(unhandled, []);
    } finally {
      await admin.end();
      await producer.close();
      await workerErrand.close();
    }
  });
});

/** Producers see StoreUnavailableError while a connection is being replaced; they retry. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || attempt >= 5) throw error;
    }
  }
}
