/**
 * Errand demo: a few hundred jobs of the kinds applications hand to a queue, run by one
 * worker on the embedded SQLite store. Run it with `npm run demo`.
 *
 * - email.send: flaky SMTP (about 1 attempt in 5 fails), retried with exponential backoff
 * - report.build: slow, reports progress and writes log lines
 * - image.resize: CPU-heavy, with a per-attempt timeout
 * - invoice.render: one malformed invoice that can never succeed and ends dead
 *
 * Jobs arrive in waves, as from a web app under load; urgent emails jump the line with
 * priority 10, and a few digests are delayed by 2 s. Then it prints a summary.
 */
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { z } from "zod";

import { Errand, type JobInfo, type JobState, UnrecoverableError } from "../src/index.ts";
import { resizeImage } from "./demo/image.ts";
import { ProgressLine } from "./demo/progress-line.ts";
import { formatSummary } from "./demo/summary.ts";

// Every run starts from an empty database; the file stays afterwards for a look around
// (`.errand/` is git-ignored).
const DB_FILE = "./.errand/demo.db";
for (const suffix of ["", "-wal", "-shm"]) rmSync(DB_FILE + suffix, { force: true });

const errand = new Errand({ store: `sqlite:${DB_FILE}` });

/** What a mail server's "try again later" looks like to the handler. */
class SmtpError extends Error {
  override name = "SmtpError";
}

const sendEmail = errand.task({
  name: "email.send",
  queue: "emails",
  schema: z.object({
    to: z.email(),
    subject: z.string().min(1),
    template: z.enum(["welcome", "receipt", "digest", "password-reset"]),
  }),
  attempts: 5,
  backoff: { type: "exponential", delay: "50ms", max: "2s", jitter: true },
  timeout: "5s",
  handler: async (email, ctx) => {
    // The SMTP round trip; ctx.signal makes it stop at once on timeout or shutdown.
    await sleep(40 + Math.random() * 120, undefined, { signal: ctx.signal });
    if (Math.random() < 0.2) throw new SmtpError("421 4.7.0 mx.example.com: try again later");
    return { messageId: `<${ctx.job.id}.${ctx.job.attempt}@mail.example.com>`, to: email.to };
  },
});

const buildReport = errand.task({
  name: "report.build",
  queue: "reports",
  schema: z.object({ account: z.string(), month: z.string().regex(/^\d{4}-\d{2}$/) }),
  handler: async ({ account, month }, ctx) => {
    ctx.log(`building the ${month} report for ${account}`);
    let rows = 0;
    for (let percent = 0; percent < 100; percent += 20) {
      await ctx.progress(percent);
      await sleep(200, undefined, { signal: ctx.signal }); // one slice of the query
      rows += 2_500;
    }
    await ctx.progress(100);
    ctx.log(`aggregated ${rows} rows`);
    return { url: `https://reports.example.com/${account}/${month}.pdf`, rows };
  },
});

const resize = errand.task({
  name: "image.resize",
  queue: "media",
  schema: z.object({
    imageId: z.string(),
    width: z.number().int().min(2).max(4096),
    height: z.number().int().min(2).max(4096),
    seed: z.number().int(),
    passes: z.number().int().min(1).max(20),
  }),
  timeout: "10s",
  handler: (image, ctx) => resizeImage(image, ctx.signal),
});

const renderInvoice = errand.task({
  name: "invoice.render",
  queue: "billing",
  schema: z.object({
    invoiceId: z.string(),
    totalCents: z.number().int(),
    lines: z.array(z.object({ sku: z.string(), qty: z.number().int(), unitCents: z.number() })),
  }),
  handler: (invoice) => {
    const sum = invoice.lines.reduce((cents, line) => cents + line.qty * line.unitCents, 0);
    // Retrying cannot fix bad data: skip the remaining attempts and go to the dead-letter queue.
    if (sum !== invoice.totalCents)
      throw new UnrecoverableError(
        `${invoice.invoiceId}: the lines add up to ${sum} cents, but totalCents is ${invoice.totalCents}`,
      );
    return { pdf: `https://billing.example.com/${invoice.invoiceId}.pdf` };
  },
});

// The workload: WAVES waves of traffic, then delayed digests and the poison invoice.
const WAVES = 8;
const PER_WAVE = { emails: 30, urgent: 2, reports: 5, images: 8 };
const DELAYED = 10;
const IMAGE_SIZE = { width: 320, height: 320, passes: 4 }; // about 30 ms of CPU each
const TOTAL =
  WAVES * (PER_WAVE.emails + PER_WAVE.urgent + PER_WAVE.reports + PER_WAVE.images) + DELAYED + 1;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
let serial = 0;
const email = (template: "welcome" | "receipt" | "digest" | "password-reset") => ({
  to: `user${++serial}@example.com`,
  subject: `Your ${template} email`,
  template,
});

// Live progress, driven by the events every job emits.
const line = new ProgressLine(TOTAL);
errand.on("completed", (e) => line.record("completed", e.jobId));
errand.on("retrying", (e) => line.record("retrying", e.jobId));
errand.on("dead", (e) => line.record("dead", e.jobId));
errand.on("progress", (e) => {
  if (typeof e.progress === "number") line.progress(e.jobId, e.progress);
});

console.log(`Errand demo: ${TOTAL} jobs, one worker with concurrency 8, store sqlite:${DB_FILE}\n`);
const worker = errand.work({ concurrency: 8 });
const startedAt = Date.now();

for (const wave of range(WAVES)) {
  // enqueueMany writes a whole batch in one transaction.
  await sendEmail.enqueueMany(
    range(PER_WAVE.emails).map(() => ({ data: email(wave % 2 ? "receipt" : "welcome") })),
  );
  await sendEmail.enqueueMany(
    range(PER_WAVE.urgent).map(() => ({
      data: email("password-reset"),
      options: { priority: 10 },
    })),
  );
  await buildReport.enqueueMany(
    range(PER_WAVE.reports).map((i) => ({
      data: { account: `acct-${wave}${i}`, month: "2025-06" },
    })),
  );
  await resize.enqueueMany(
    range(PER_WAVE.images).map((i) => ({
      data: { imageId: `img-${wave}-${i}`, seed: wave * 100 + i, ...IMAGE_SIZE },
    })),
  );
  await sleep(1_000); // the next burst of traffic
}
await sendEmail.enqueueMany(
  range(DELAYED).map(() => ({ data: email("digest"), options: { delay: "2s" } })),
);
await renderInvoice.enqueue({
  invoiceId: "INV-1042",
  totalCents: 1_999,
  lines: [{ sku: "PRO-PLAN", qty: 2, unitCents: 1_999 }],
});

// Wait for every job, with a safety net so a bug shows up as a failure, not a hang.
const timedOut = Symbol("timed out");
const outcome = await Promise.race([line.finished, sleep(60_000, timedOut, { ref: false })]);
line.stop();
const elapsedMs = Date.now() - startedAt;
await worker.close({ grace: "5s" });

/** Reads every job in a state, page by page. */
async function listAll(state: JobState): Promise<JobInfo[]> {
  const jobs: JobInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await errand.jobs.list({ state, limit: 500, cursor });
    jobs.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return jobs;
}

const [completed, dead] = [await listAll("completed"), await listAll("dead")];
console.log("\nSummary");
for (const text of formatSummary({ completed, dead, elapsedMs, store: `sqlite:${DB_FILE}` }))
  console.log(text);

const report = completed.find((job) => job.name === "report.build");
if (report) {
  console.log(`\nOne report, as stored (errand.jobs.get("${report.id}")):`);
  console.log(`  result ${JSON.stringify(report.result)}`);
  for (const log of report.logs) console.log(`  log    ${log.message}`);
}

await errand.close();
if (outcome === timedOut || completed.length + dead.length !== TOTAL) {
  console.error(`\nOnly ${completed.length + dead.length} of ${TOTAL} jobs finished.`);
  process.exitCode = 1;
}
