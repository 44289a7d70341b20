/*
 * A worker process for the restart test. Arguments: store URL, starts ledger.
 * Every handler start appends the job id to the ledger first. Talks to the parent over
 * IPC: `ready` once claiming; on `stop` it closes gracefully and reports how many
 * warnings it logged. An unhandled rejection or exception is reported and fails the run.
 */
import { appendFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

import { Errand } from "../../src/errand.ts";
import type { Logger } from "../../src/logger.ts";

const [url, ledger] = process.argv.slice(2);
if (!url || !ledger || !process.send) {
  throw new Error("usage: restart-worker.ts <store-url> <starts-ledger> (IPC)");
}

const send = (message: object): void => {
  process.send?.(message);
};
for (const event of ["unhandledRejection", "uncaughtException"] as const) {
  process.on(event, (error: unknown) => {
    send({ type: "crashed", message: `${event}: ${String(error)}` });
    process.exit(1);
  });
}

const warnings: string[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => warnings.push(message),
  error: (message) => warnings.push(message),
};

const errand = new Errand({ store: url, logger });
errand.task<{ n: number }>({
  name: "restart.job",
  queue: "restart",
  handler: async (data, ctx) => {
    appendFileSync(ledger, `${ctx.job.id}\n`);
    await delay(3 + (data.n % 5));
    return data.n;
  },
});

const worker = errand.work({ concurrency: 20, lease: "10s" });

process.on("message", (message: { type: string }) => {
  if (message.type !== "stop") return;
  void errand.close({ grace: "10s" }).then(() => {
    const kinds = [...new Set(warnings)];
    send({ type: "stopped", warnings: warnings.length, kinds });
    process.disconnect();
  });
});

await worker.started();
send({ type: "ready" });
