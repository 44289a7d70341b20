/*
 * Throwaway servers a store-crash run owns, so crashing them never touches the shared
 * PostgreSQL on 5432 or Redis on 6379 other tests use: a PostgreSQL cluster made with
 * pg_createcluster on a free port, and a redis-server with appendfsync always.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";

import { Redis } from "ioredis";
import pg from "pg";

const run = promisify(execFile);

/** A server the test can crash and bring back. */
export interface OwnServer {
  url: string;
  /** Crashes it: no clean shutdown. */
  crash(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

async function until(what: string, probe: () => Promise<void>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(what, { cause: error });
      await delay(100);
    }
  }
}

function postgresVersion(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort();
  const latest = versions[versions.length - 1];
  if (!latest) throw new Error("no PostgreSQL installed under /usr/lib/postgresql");
  return latest;
}

/** A fresh PostgreSQL cluster on a free port, trust auth on loopback; `crash` is `stop -m immediate`. */
export async function ownPostgres(): Promise<OwnServer> {
  const version = postgresVersion();
  const port = await freePort();
  const name = `errand_chaos_${port}`;
  await run("pg_createcluster", [version, name, "-p", String(port), "--", "--auth=trust"]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ping = async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    await client.connect();
    await client.end();
  };
  const server: OwnServer = {
    url,
    crash: async () => {
      await run("pg_ctlcluster", [version, name, "stop", "-m", "immediate"]);
    },
    start: async () => {
      await run("pg_ctlcluster", [version, name, "start"]);
      await until("the throwaway PostgreSQL did not come up", ping);
    },
    destroy: async () => {
      await run("pg_dropcluster", [version, name, "--stop"]).catch(() => undefined);
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

/** A redis-server of its own with appendonly and appendfsync always; `crash` is SIGKILL. */
export async function ownRedis(): Promise<OwnServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "errand-chaos-redis-"));
  const url = `redis://127.0.0.1:${port}/0`;
  let child: ChildProcess | null = null;
  const ping = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  };
  const server: OwnServer = {
    url,
    crash: async () => {
      if (!child) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
      child = null;
    },
    start: async () => {
      child = spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--dir",
          dir,
          "--appendonly",
          "yes",
          "--appendfsync",
          "always",
          "--save",
          "",
        ],
        { stdio: "ignore" },
      );
      await until("the throwaway Redis did not come up", ping);
    },
    destroy: async () => {
      await server.crash();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
