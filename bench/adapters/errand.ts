/**
 * Errand, written once against the public API and parameterised by the store URL, so a
 * store works here the moment `new Errand({ store: url })` accepts its URL.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Errand } from "../../src/errand.ts";
import type { Task } from "../../src/task.ts";
import type { Worker } from "../../src/worker/worker.ts";
import { freshName, PG_URL, REDIS_URL } from "../servers.ts";
import type {
  BenchClient,
  BenchHandlerFn,
  BenchJob,
  BenchSystem,
  ServerKind,
  Target,
} from "./types.ts";

const TASK = "bench.noop";
const QUEUE = "bench";
/**
 * Jobs each worker claims ahead of its free slots (`work({ prefetch })`), so a backlog is
 * fetched hundreds of jobs per round trip instead of one claim per freed slot. An idle
 * worker (the latency runs) claims what is due either way.
 */
const PREFETCH = 200;

/** Options of one Errand variant. */
export interface ErrandVariant {
  server: ServerKind;
  /** `0` deletes completed jobs at once, like graphile-worker; default keeps them a day. */
  keepCompleted?: 0;
}

function storeUrl(server: ServerKind, name: string, dir: string): string {
  switch (server) {
    case "sqlite":
      return `sqlite:${join(dir, "errand.db")}`;
    case "postgres": {
      const url = new URL(PG_URL);
      url.searchParams.set("schema", name);
      return url.toString();
    }
    case "redis": {
      const url = new URL(REDIS_URL);
      url.searchParams.set("prefix", name);
      return url.toString();
    }
  }
}

class ErrandClient implements BenchClient {
  private worker: Worker | null = null;
  private handler: BenchHandlerFn = () => undefined;
  private readonly task: Task<BenchJob>;

  constructor(
    private readonly errand: Errand,
    role: "producer" | "worker",
  ) {
    this.task =
      role === "worker"
        ? errand.task<BenchJob>({ name: TASK, queue: QUEUE, handler: (job) => this.handler(job) })
        : errand.task<BenchJob>({ name: TASK, queue: QUEUE });
  }

  async enqueue(job: BenchJob): Promise<void> {
    await this.task.enqueue(job);
  }

  async enqueueBatch(jobs: BenchJob[]): Promise<void> {
    await this.task.enqueueMany(jobs.map((data) => ({ data })));
  }

  async startWorker(concurrency: number, handler: BenchHandlerFn): Promise<void> {
    this.handler = handler;
    this.worker = this.errand.work({ queues: [QUEUE], concurrency, prefetch: PREFETCH });
    await this.worker.started();
  }

  async drained(): Promise<boolean> {
    const counts = await this.errand.queues.counts(QUEUE);
    return counts.waiting + counts.scheduled + counts.active === 0;
  }

  async close(): Promise<void> {
    await this.errand.close({ grace: 0 });
  }
}

function errandVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return `${pkg.version} (working tree)`;
}

/** The Errand system on one store, optionally deleting completed jobs at once. */
export function errandSystem(variant: ErrandVariant): BenchSystem {
  const { server, keepCompleted } = variant;
  const suffix = keepCompleted === 0 ? "-k0" : "";
  const options = keepCompleted === 0 ? { keepCompleted: 0 as const } : {};
  return {
    id: `errand-${server}${suffix}`,
    label: `Errand ${server}${keepCompleted === 0 ? " (keepCompleted 0)" : ""}`,
    server,
    errand: true,
    ...(keepCompleted === 0 ? { scenarios: ["backlog-c1", "backlog-c50"] } : {}),
    settings:
      `worker \`concurrency\` as the scenario says, \`prefetch: ${PREFETCH}\`, lease 30 s, ` +
      (keepCompleted === 0
        ? "`keepCompleted: 0` (completed jobs deleted at once, like graphile-worker)"
        : "completed jobs and results kept (`keepCompleted` default 1 day)"),
    version: errandVersion,
    async probe() {
      // Only parses the URL: throws ConfigError while this store is not part of the release.
      new Errand({ store: storeUrl(server, "bench_probe", tmpdir()), logger: false });
    },
    async prepare() {
      const name = freshName(`errand_${server}`);
      const dir = server === "sqlite" ? mkdtempSync(join(tmpdir(), "errand-bench-")) : "";
      return { name, dir, url: storeUrl(server, name, dir) };
    },
    async open(target: Target, role) {
      const errand = new Errand({ store: String(target.url), logger: false, ...options });
      await errand.migrate();
      return new ErrandClient(errand, role);
    },
    async cleanup(target: Target) {
      const admin = await import("../server-admin.ts");
      if (server === "sqlite") rmSync(String(target.dir), { recursive: true, force: true });
      else if (server === "postgres") await admin.dropSchema(String(target.name));
      else await admin.deleteKeys(String(target.name));
    },
  };
}
