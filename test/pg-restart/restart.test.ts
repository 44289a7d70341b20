/*
 * PostgreSQL is restarted (pg_ctlcluster ... restart, fast mode: every session is cut)
 * in the middle of a run of 5,000 jobs worked by three processes. No job may be lost or
 * end dead, the workers must neither crash nor stop, and every job completes after the
 * server returns. Prints the figures: jobs, downtime, time to resume, duplicates.
 *
 * This restarts the machine's shared server, so it runs alone, after the parallel test
 * run (`npm run test:pg-restart`), never alongside other tests.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, fork } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import pg from "pg";

import { Errand } from "../../src/errand.ts";
import { StoreUnavailableError } from "../../src/errors.ts";
import type { QueueCounts } from "../../src/job.ts";
import { postgresHarness, TEST_PG_URL } from "../harness/postgres-harness.ts";

const JOBS = 5_000;
const PROCESSES = 3;
/** The restart starts once this many jobs completed. */
const RESTART_AFTER = 1_500;
const CHILD = fileURLToPath(new URL("./restart-worker.ts", import.meta.url));

type ChildMessage =
  | { type: "ready" }
  | { type: "crashed"; message: string }
  | { type: "stopped"; warnings: number; kinds: string[] };

function nextMessage(child: ChildProcess, type: ChildMessage["type"]): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      resolve(message);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`a worker exited (${code}) before ${type}`)));
  });
}

/** Records every crash of a worker process: an unhandled error, or an exit not asked for. */
function watchCrashes(child: ChildProcess, crashes: string[]): void {
  child.on("message", (message: ChildMessage) => {
    if (message.type === "crashed") crashes.push(message.message);
  });
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGKILL") crashes.push(`exit ${String(code ?? signal)}`);
  });
}

/** Reads counts, riding out the outage. */
async function counts(errand: Errand): Promise<QueueCounts | null> {
  try {
    return await errand.queues.counts("restart");
  } catch (error) {
    if (error instanceof StoreUnavailableError) return null;
    throw error;
  }
}

/** Probes the server with fresh connections; records when it stopped and came back answering. */
class Probe {
  downAt: number | null = null;
  upAt: number | null = null;
  private running = true;
  readonly done: Promise<void>;

  constructor() {
    this.done = this.loop();
  }

  stop(): void {
    this.running = false;
  }

  private async loop(): Promise<void> {
    while (this.running && this.upAt === null) {
      const client = new pg.Client({
        connectionString: TEST_PG_URL,
        connectionTimeoutMillis: 1_000,
      });
      client.on("error", () => undefined);
      const at = Date.now();
      try {
        await client.connect();
        await client.query("SELECT 1");
        if (this.downAt !== null) this.upAt = Date.now();
      } catch {
        this.downAt ??= at;
      } finally {
        await client.end().catch(() => undefined);
      }
      await delay(25);
    }
  }
}

function restartCommand(): [string, string[]] {
  const version = readdirSync("/etc/postgresql").sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error("no PostgreSQL cluster under /etc/postgresql");
  return ["pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "restart"]];
}

const harness = postgresHarness();

describe("PostgreSQL restarted mid-run", () => {
  it(
    `${JOBS} jobs over ${PROCESSES} worker processes: none lost, all completed after the restart`,
    { timeout: 180_000 },
    async () => {
      const target = await harness.prepare();
      const url = target.url as string;
      const dir = mkdtempSync(join(tmpdir(), "errand-pg-restart-"));
      const producer = new Errand({ store: url, logger: false });
      const children: ChildProcess[] = [];
      try {
        const task = producer.task<{ n: number }>({ name: "restart.job", queue: "restart" });
        for (let i = 0; i < JOBS; i += 1_000) {
          await task.enqueueMany(
            Array.from({ length: Math.min(1_000, JOBS - i) }, (_, k) => ({ data: { n: i + k } })),
          );
        }
        const ledgers = Array.from({ length: PROCESSES }, (_, i) => join(dir, `starts-${i}.log`));
        for (const ledger of ledgers) {
          children.push(
            fork(CHILD, [url, ledger], {
              execArgv: ["--import", "tsx"],
              stdio: ["ignore", "inherit", "inherit", "ipc"],
            }),
          );
        }
        const crashes: string[] = [];
        for (const child of children) watchCrashes(child, crashes);
        await Promise.all(children.map((c) => nextMessage(c, "ready")));
        const runStarted = Date.now();

        while (((await counts(producer))?.completed ?? 0) < RESTART_AFTER && crashes.length === 0)
          await delay(20);
        const before = (await counts(producer))?.completed ?? 0;
        const probe = new Probe();
        const restartStarted = Date.now();
        const [command, args] = restartCommand();
        // The command returns seconds after the server accepts connections again, and
        // workers may finish the whole backlog in that time: measure from the probe.
        const restarted = promisify(execFile)(command, args).then(
          () => Date.now() - restartStarted,
        );
        await Promise.race([probe.done, delay(30_000, undefined, { ref: false })]);
        probe.stop();
        const upAt = probe.upAt ?? Date.now();

        let afterBack: number | null = null;
        let resumedAt: number | null = null;
        let latest: QueueCounts | null = null;
        const deadline = Date.now() + 120_000;
        while (Date.now() < deadline && crashes.length === 0) {
          latest = await counts(producer);
          if (latest) {
            afterBack ??= latest.completed;
            if (resumedAt === null && latest.completed > afterBack) resumedAt = Date.now();
            if (latest.completed >= JOBS) break;
          }
          await delay(20);
        }
        const finishedAt = Date.now();
        const restartTook = await restarted;
        const stopped = await Promise.all(
          children.map((c) => {
            const reply = nextMessage(c, "stopped");
            c.send({ type: "stop" });
            return reply;
          }),
        );

        const starts = ledgers.flatMap((file) =>
          readFileSync(file, "utf8").split("\n").filter(Boolean),
        );
        const unique = new Set(starts).size;
        const final = await producer.queues.counts("restart");
        const figures = {
          jobs: JOBS,
          completed: final.completed,
          lost: JOBS - final.completed - final.dead,
          dead: final.dead,
          completedBeforeRestart: before,
          restartCommandMs: restartTook,
          downtimeMs: probe.downAt === null ? null : upAt - probe.downAt,
          timeToResumeMs: resumedAt === null ? null : resumedAt - upAt,
          afterRestartToAllDoneMs: finishedAt - upAt,
          totalRunMs: finishedAt - runStarted,
          starts: starts.length,
          duplicates: starts.length - unique,
          workerWarnings: stopped.map((s) => (s.type === "stopped" ? s.warnings : -1)),
          warningKinds: [...new Set(stopped.flatMap((s) => (s.type === "stopped" ? s.kinds : [])))],
        };
        console.log(`pg restart figures: ${JSON.stringify(figures, null, 2)}`);

        assert.deepEqual(crashes, [], "a worker process crashed");
        assert.ok(probe.downAt !== null, "the probe never saw the server down");
        assert.equal(final.completed, JOBS, JSON.stringify(final));
        assert.equal(final.dead, 0);
        assert.equal(unique, JOBS, "some job never started");
        assert.ok(resumedAt !== null, "no job completed after the server came back");
        assert.ok(before < JOBS, "the restart came after the run had finished");
      } finally {
        for (const child of children) child.kill("SIGKILL");
        await producer.close();
        await target.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
