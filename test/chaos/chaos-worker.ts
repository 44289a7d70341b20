/*
 * A chaos worker process. Wraps its store so every claim (with its lease token) and
 * every settle (with whether it applied) lands in this incarnation's ledger; handlers
 * write their start and finish. Runs every task in messages.ts.
 */
import { setTimeout as delay } from "node:timers/promises";

import { Errand } from "../../src/errand.ts";
import type { Store } from "../../src/stores/contract.ts";
import { openStore } from "../../src/stores/url.ts";
import { LedgerWriter } from "./ledger.ts";
import {
  CHAOS_QUEUE,
  type ChaosChildMessage,
  type ChaosParentMessage,
  type ChaosWorkerConfig,
  TASK,
} from "./messages.ts";

const config = JSON.parse(process.argv[2] ?? "null") as ChaosWorkerConfig | null;
if (!config || !process.send) throw new Error("usage: chaos-worker.ts <config json> (IPC)");

const send = (message: ChaosChildMessage): void => {
  process.send?.(message);
};
const ledger = new LedgerWriter(config.ledgerDir, config.tag);
const tokens = new Map<string, string>();

/** The store, with claims and settles written to the ledger after the store answered. */
function recorded(inner: Store): Store {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "claim") {
        return async (params: Parameters<Store["claim"]>[0]) => {
          const result = await target.claim(params);
          for (const job of result.jobs) {
            tokens.set(job.id, job.token);
            ledger.write({ e: "claim", id: job.id, tok: job.token, att: job.attempt });
          }
          return result;
        };
      }
      if (prop === "settle") {
        return async (params: Parameters<Store["settle"]>[0]) => {
          const applied = await target.settle(params);
          params.outcomes.forEach((o, i) =>
            ledger.write({ e: "settle", id: o.id, tok: o.token, kind: o.kind, ok: !!applied[i] }),
          );
          return applied;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function"
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

const store = recorded(await openStore(config.url));
const errand = new Errand({ store, logger: false });

function started(id: string): string {
  const tok = tokens.get(id) ?? "?";
  ledger.write({ e: "start", id, tok });
  return tok;
}

errand.task<{ n: number }>({
  name: TASK.job,
  queue: CHAOS_QUEUE,
  handler: async (data, ctx) => {
    const tok = started(ctx.job.id);
    await delay(config.workMs + ((data.n * 7) % Math.max(1, Math.ceil(config.workMs / 2))));
    ledger.write({ e: "finish", id: ctx.job.id, tok });
    return null;
  },
});
errand.task<{ n: number }>({
  name: TASK.poison,
  queue: CHAOS_QUEUE,
  backoff: { type: "fixed", delay: 20 },
  handler: (_data, ctx) => {
    const tok = started(ctx.job.id);
    ledger.write({ e: "finish", id: ctx.job.id, tok });
    throw new Error("poison");
  },
});
errand.task<{ n: number }>({
  name: TASK.suicide,
  queue: CHAOS_QUEUE,
  handler: (_data, ctx) => {
    started(ctx.job.id);
    process.kill(process.pid, "SIGKILL");
  },
});

const worker = errand.work({
  concurrency: config.concurrency,
  lease: config.leaseMs,
  rescueInterval: config.rescueMs ?? 1000,
});

let stopping = false;
process.on("message", (message: ChaosParentMessage) => {
  if (message.type === "stop") {
    stopping = true;
    void errand.close({ grace: "5s" }).then(() => {
      send({ type: "stopped" });
      process.disconnect();
    });
  }
});

// A parent that dies (Ctrl-C on `npm run chaos`) must not leave workers running on.
process.on("disconnect", () => {
  if (!stopping) process.exit(0);
});

await worker.started();
send({ type: "ready" });
