/**
 * Input at the edges (issue 7, scenario 9) on every store: nesting depth, characters no
 * store keeps unchanged, dates past the calendar, huge payloads, stored fields that are
 * not JSON, prototype pollution through decoding, and secrets kept out of log output.
 * Each refusal is typed, writes nothing and leaves no unhandled rejection behind.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { z } from "zod";

import type { Errand } from "../../../src/errand.ts";
import { ConfigError } from "../../../src/errors.ts";
import { insertRaw } from "../../../src/testing/insert-raw.ts";
import { waitForJob } from "../../../src/testing/wait-for-job.ts";
import type { ConformanceCases } from "../context.ts";
import { FAST_WORKER } from "../job-waits.ts";
import { assertNothingWritten, rejectsValidation } from "./enqueue-bad-input.ts";

/** An object nested `levels` deep: { a: { a: ... { leaf: true } } }. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i += 1) value = { a: value };
  return value;
}

/** An array nested `levels` deep: [[[...]]]. */
function nestedArray(levels: number): unknown {
  let value: unknown[] = [];
  for (let i = 1; i < levels; i += 1) value = [value];
  return value;
}

const NUL = "a\u0000b";
const LONE_HIGH = "a\ud800b";
const LONE_LOW = "\udc00";

/** Identifiers no store keeps unchanged, by where they are given. */
const BAD_IDENTIFIERS: [string, (errand: Errand) => Promise<unknown>, RegExp][] = [
  ["a task name with NUL", (e) => e.enqueue(NUL, {}), /task name.*NUL/],
  ["a task name with a lone surrogate", (e) => e.enqueue(LONE_HIGH, {}), /task name.*surrogate/],
  ["a queue with NUL", (e) => e.enqueue("t", {}, { queue: NUL }), /queue/],
  ["a queue with a lone surrogate", (e) => e.enqueue("t", {}, { queue: LONE_LOW }), /queue/],
  ["a key with NUL", (e) => e.enqueue("t", {}, { key: NUL }), /key.*NUL/],
  ["a key with a lone surrogate", (e) => e.enqueue("t", {}, { key: LONE_HIGH }), /key.*surrogate/],
  ["a group with NUL", (e) => e.enqueue("t", {}, { group: NUL }), /group.*NUL/],
  ["a group with a lone surrogate", (e) => e.enqueue("t", {}, { group: LONE_LOW }), /group/],
  [
    "a throttled key with NUL",
    (e) => e.enqueue("t", {}, { key: `k${NUL}`, throttle: "1m" }),
    /key.*NUL/,
  ],
];

const YEAR_10000 = new Date("9999-12-31T23:59:59.999Z").getTime() + 1;
const BEFORE_YEAR_1 = new Date("0001-01-01T00:00:00.000Z").getTime() - 1;

/** Times no clock reaches, or windows that are surely a unit mistake. */
const BAD_TIMES: [string, Record<string, unknown>, RegExp][] = [
  ["a runAt in year 10000", { runAt: new Date(YEAR_10000) }, /runAt.*0001 to 9999/],
  ["a runAt before year 1", { runAt: new Date(BEFORE_YEAR_1) }, /runAt.*0001 to 9999/],
  ["a runAt at the last date JS can hold", { runAt: new Date(8.64e15) }, /runAt/],
  ["a delay of 101 years", { delay: `${101 * 366}d` }, /delay.*100 years/],
  ["a delay in milliseconds past year 9999", { delay: 8.64e15 }, /delay.*100 years/],
  ["a delay too long to parse", { delay: `${"9".repeat(400)}w` }, /delay/],
  ["a debounce of 101 years", { key: "k", debounce: `${101 * 366}d` }, /debounce.*100 years/],
  ["a throttle of 101 years", { key: "k", throttle: `${101 * 366}d` }, /throttle.*100 years/],
];

/** Records unhandled rejections while `fn` runs and one turn after. */
async function noUnhandledRejection(fn: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => void seen.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  assert.deepEqual(seen, [], "a refusal left an unhandled rejection");
}

export const inputLimitsCases: ConformanceCases = (ctx) => {
  describe("input limits and security", () => {
    it("payloads nested deeper than 100 levels are refused before any write", async () => {
      const c = ctx();
      const task = c.errand.task({ name: "deep", schema: z.record(z.string(), z.unknown()) });
      await noUnhandledRejection(async () => {
        for (const levels of [101, 1_000, 100_000]) {
          await rejectsValidation(() => task.enqueue(nested(levels)), /deeper than 100/);
          await rejectsValidation(
            () => c.errand.enqueue("by.name", { list: nestedArray(levels) }),
            /deeper than 100/,
          );
        }
      });
      await assertNothingWritten(c.errand);
      const fits = await task.enqueue(nested(100));
      assert.deepEqual((await c.errand.jobs.get(fits.id))?.data, nested(100));
    });

    it("a handler result nested deeper than 100 levels fails the job with ValidationError", async () => {
      const c = ctx();
      const task = c.errand.task({ name: "deep.result", attempts: 1, handler: () => nested(500) });
      const job = await task.enqueue({});
      c.errand.work(FAST_WORKER);
      const info = await waitForJob(c.errand, job.id, { timeout: "5s" });
      assert.equal(info.state, "dead");
      assert.equal(info.error?.name, "ValidationError");
      assert.match(info.error?.message ?? "", /deeper than 100/);
    });

    for (const [what, call, message] of BAD_IDENTIFIERS) {
      it(`${what} throws ValidationError and writes nothing`, async () => {
        const c = ctx();
        await noUnhandledRejection(() => rejectsValidation(() => call(c.errand), message));
        await assertNothingWritten(c.errand);
      });
    }

    it("a task declared with NUL or a lone surrogate in its name or queue throws ConfigError", () => {
      const c = ctx();
      for (const options of [
        { name: NUL },
        { name: LONE_HIGH },
        { name: "ok", queue: NUL },
        { name: "ok", groupWeights: { [NUL]: 2 } },
      ]) {
        assert.throws(
          () => c.errand.task(options),
          (error: unknown) => error instanceof ConfigError,
        );
      }
    });

    it("names and keys with astral characters (surrogate pairs) are stored unchanged", async () => {
      const c = ctx();
      const name = "mail.\u{1F4E8}";
      const task = c.errand.task({ name, queue: "q\u{1F600}" });
      const job = await task.enqueue(
        { to: "\u{1F30D}" },
        { key: "k\u{1F511}", group: "g\u{1F465}" },
      );
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info?.name, name);
      assert.equal(info?.queue, "q\u{1F600}");
      assert.equal(info?.key, "k\u{1F511}");
      assert.equal(info?.group, "g\u{1F465}");
      assert.deepEqual(info?.data, { to: "\u{1F30D}" });
    });

    for (const [what, options, message] of BAD_TIMES) {
      it(`${what} throws ValidationError and writes nothing`, async () => {
        const c = ctx();
        const task = c.errand.task({ name: "when" });
        await noUnhandledRejection(async () => {
          await rejectsValidation(() => task.enqueue({}, options as never), message);
          await rejectsValidation(() => c.errand.enqueue("by.name", {}, options as never), message);
        });
        await assertNothingWritten(c.errand);
      });
    }

    it("the first and last instants of years 0001 to 9999 are accepted as runAt", async () => {
      const c = ctx();
      const task = c.errand.task({ name: "edges" });
      for (const iso of ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
        const job = await task.enqueue({}, { runAt: new Date(iso) });
        assert.equal((await c.errand.jobs.get(job.id))?.runAt.toISOString(), iso);
      }
      const late = await task.enqueue({}, { delay: `${100 * 365}d` });
      assert.equal((await c.errand.jobs.get(late.id))?.state, "scheduled");
    });

    it("a 10 MB payload is refused before any write, with no unhandled rejection", async () => {
      const c = ctx();
      const task = c.errand.task<{ blob: string }>({ name: "huge" });
      const blob = "x".repeat(10 * 1024 * 1024);
      await noUnhandledRejection(async () => {
        await rejectsValidation(() => task.enqueue({ blob }), /over the limit/);
        await rejectsValidation(
          () => task.enqueueMany([{ data: { blob: "small" } }, { data: { blob } }]),
          /over the limit/,
        );
      });
      await assertNothingWritten(c.errand);
    });

    it("jobs.get and jobs.list return a job whose stored fields are not JSON, marked undecodable", async () => {
      const c = ctx();
      const [id] = await insertRaw(c.errand, [
        { name: "raw", state: "completed", data: "{not json", result: "undefined" },
      ]);
      const info = await c.errand.jobs.get(id as string);
      assert.equal(info?.state, "completed");
      assert.equal(info?.data, null);
      assert.equal(info?.result, null);
      assert.deepEqual(info?.undecodable, ["data", "result"]);
      const { jobs } = await c.errand.jobs.list({});
      assert.deepEqual(
        jobs.map((j) => [j.id, j.undecodable]),
        [[id, ["data", "result"]]],
      );
    });

    it("a job whose fields decode has no undecodable marker", async () => {
      const c = ctx();
      const job = await c.errand.task({ name: "fine" }).enqueue({ a: 1 });
      const info = await c.errand.jobs.get(job.id);
      assert.equal(info !== null && "undecodable" in info, false);
    });

    it("decoding a stored payload never pollutes Object.prototype", async () => {
      const c = ctx();
      const stored = '{"__proto__":{"polluted":1},"a":{"__proto__":{"polluted":2},"b":1}}';
      const seen: unknown[] = [];
      c.errand.task({ name: "proto", handler: (data) => void seen.push(data) });
      const [id] = await insertRaw(c.errand, [{ name: "proto", state: "waiting", data: stored }]);
      const info = await c.errand.jobs.get(id as string);
      assert.deepEqual(info?.data, { a: { b: 1 } });
      c.errand.work(FAST_WORKER);
      assert.equal(
        (await waitForJob(c.errand, id as string, { timeout: "5s" })).state,
        "completed",
      );
      assert.deepEqual(seen, [{ a: { b: 1 } }]);
      const probe: Record<string, unknown> = {};
      assert.equal(probe.polluted, undefined);
      assert.equal(Object.getPrototypeOf(seen[0]), Object.prototype);
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
    });

    it("a secret in a payload never appears in log output at the default level", async () => {
      const c = ctx();
      const secret = `sk-${Math.random().toString(36).slice(2)}-secret`;
      const lines: string[] = [];
      const original = { warn: console.warn, error: console.error, log: console.log };
      const capture = (...args: unknown[]): void =>
        void lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      console.warn = capture;
      console.error = capture;
      console.log = capture;
      try {
        // The default logger (logger left out), and every path that logs or fails a job.
        const errand = c.newErrand({ logger: undefined });
        const typed = errand.task({
          name: "secret.typed",
          schema: z.object({ token: z.number() }),
          attempts: 1,
          handler: () => undefined,
        });
        const failing = errand.task<{ token: string }>({
          name: "secret.failing",
          attempts: 1,
          handler: () => {
            throw new Error("upstream refused the call");
          },
        });
        const big = errand.task<{ token: string }>({
          name: "secret.big",
          attempts: 1,
          handler: (data) => ({ echo: data.token.repeat(200_000) }),
        });
        await rejectsValidation(() => typed.enqueue({ token: secret } as never), /token/);
        await rejectsValidation(
          () => failing.enqueue({ token: secret }, { key: `${secret}\u0000` }),
          /key/,
        );
        const jobs = [
          // A producer that does not declare the task: the worker refuses the payload.
          await c.newErrand().enqueue("secret.typed", { token: secret }),
          await failing.enqueue({ token: secret }),
          await big.enqueue({ token: secret }),
        ];
        errand.work(FAST_WORKER);
        for (const job of jobs) {
          assert.equal((await waitForJob(errand, job.id, { timeout: "5s" })).state, "dead");
        }
      } finally {
        Object.assign(console, original);
      }
      const leaked = lines.filter((line) => line.includes(secret));
      assert.deepEqual(leaked, [], "the secret appeared in log output");
    });
  });
};
