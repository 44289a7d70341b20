/*
 * Network faults between a worker and PostgreSQL (issue 7, scenario 6, short form); the
 * scenario itself is test/harness/network-faults.ts.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import pg from "pg";

import { Errand } from "../../src/errand.ts";
import { ConfigError } from "../../src/errors.ts";
import { PostgresStore } from "../../src/stores/postgres/postgres-store.ts";
import { BlackholeProxy } from "../harness/blackhole-proxy.ts";
import { CALL_TIMEOUT_MS, runNetworkFaults, warningLog } from "../harness/network-faults.ts";
import { dropTestSchema, TEST_PG_URL, testSchemaName } from "../harness/postgres-harness.ts";

const schemas: string[] = [];
after(() => dropTestSchema(...schemas));

describe("network faults on PostgreSQL", () => {
  it("timeout options are checked, and refused next to a pool of the caller's", () => {
    for (const options of [
      { queryTimeoutMs: 0 },
      { connectTimeoutMs: 1.5 },
      { keepAliveMs: -1 },
      { idleInTransactionTimeoutMs: Number.NaN },
      { pool: new pg.Pool(), queryTimeoutMs: 1_000 },
    ]) {
      assert.throws(() => new PostgresStore(options), ConfigError, JSON.stringify(options));
    }
  });

  it(
    "blackhole, latency and reset: detected within two heartbeats, resumed within 5 s, 0 lost",
    { timeout: 60_000 },
    async () => {
      const schema = testSchemaName();
      schemas.push(schema);
      const server = new URL(TEST_PG_URL);
      const proxy = await BlackholeProxy.start({
        host: server.hostname,
        port: Number(server.port || 5432),
      });
      const viaProxy = new URL(TEST_PG_URL);
      viaProxy.port = String(proxy.port);
      const { logger, warnings } = warningLog();
      const producer = new Errand({
        store: new PostgresStore({ connectionString: TEST_PG_URL, schema }),
        logger: false,
      });
      const workerStore = new PostgresStore({
        connectionString: viaProxy.toString(),
        schema,
        queryTimeoutMs: CALL_TIMEOUT_MS,
        connectTimeoutMs: CALL_TIMEOUT_MS,
      });
      const worker = new Errand({ store: workerStore, logger });
      await runNetworkFaults({ label: "postgres", proxy, producer, worker, warnings });
    },
  );
});
