/**
 * The enqueue cases about refused input: payloads and options that throw ValidationError
 * and write nothing, and task or Errand options that throw ConfigError when given.
 * Registered by enqueue.ts.
 */
import assert from "node:assert/strict";
import { it } from "node:test";

import { z } from "zod";

import { Errand } from "../../../src/errand.ts";
import { ConfigError, ValidationError } from "../../../src/errors.ts";
import type { ConformanceContext } from "../context.ts";

/** Asserts that `fn` rejects with a ValidationError whose message matches `message`. */
export async function rejectsValidation(
  fn: () => Promise<unknown>,
  message: RegExp,
): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    assert.equal(error.code, "VALIDATION");
    assert.match(error.message, message);
    return true;
  });
}

/** Asserts that `fn` throws a ConfigError at once, with a message matching `message`. */
function throwsConfig(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, "CONFIG");
    assert.match(error.message, message);
    return true;
  });
}

/** Asserts that the store holds no job at all. */
export async function assertNothingWritten(errand: Errand): Promise<void> {
  const { jobs } = await errand.jobs.list({});
  assert.deepEqual(
    jobs.map((j) => j.id),
    [],
  );
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

function cyclic(): unknown {
  const node: Record<string, unknown> = { name: "loop" };
  node.self = node;
  return node;
}

function definedProto(): unknown {
  const value = {};
  Object.defineProperty(value, "__proto__", { value: { x: 1 }, enumerable: true });
  return value;
}

/** Payloads JSON cannot carry faithfully, or that could pollute prototypes. */
const BAD_PAYLOADS: [string, () => unknown, RegExp][] = [
  ["a function", () => ({ fn: () => 1 }), /payload\.fn.*function/],
  ["a BigInt", () => ({ n: 10n }), /payload\.n.*bigint/],
  ["NaN", () => ({ x: NaN }), /payload\.x.*NaN/],
  ["Infinity", () => ({ x: [Infinity] }), /payload\.x\.0.*Infinity/],
  ["a cyclic object", cyclic, /refers to itself/],
  ["a Date", () => ({ at: new Date() }), /payload\.at.*Date/],
  ["a Map", () => ({ m: new Map([["a", 1]]) }), /payload\.m.*Map/],
  ["a class instance", () => ({ p: new Point(1, 2) }), /payload\.p.*Point/],
  ["undefined at the top level", () => undefined, /payload.*undefined/],
  ["undefined inside an array", () => ({ list: [1, undefined, 3] }), /payload\.list\.1.*undefined/],
  ["a parsed __proto__ key", () => JSON.parse('{"__proto__":{"x":1}}'), /__proto__/],
  ["a defined __proto__ key", definedProto, /__proto__/],
  ["constructor.prototype", () => ({ constructor: { prototype: { x: 1 } } }), /prototype/],
  [
    "a parsed constructor.prototype",
    () => JSON.parse('{"a":{"constructor":{"prototype":{"polluted":true}}}}'),
    /prototype/,
  ],
];

/** Enqueue options that make no sense. */
const BAD_OPTIONS: [string, Record<string, unknown>, RegExp][] = [
  ["a fractional priority", { priority: 1.5 }, /priority/],
  ["a priority that is not a number", { priority: "high" }, /priority/],
  ["attempts 0", { attempts: 0 }, /attempts/],
  ["negative attempts", { attempts: -2 }, /attempts/],
  ["fractional attempts", { attempts: 2.5 }, /attempts/],
  ["a malformed delay", { delay: "5 parsecs" }, /delay.*5 parsecs/],
  ["a negative delay", { delay: -5 }, /delay/],
  ["delay and runAt together", { delay: "1m", runAt: new Date() }, /delay.*runAt/],
  ["an invalid Date", { runAt: new Date("not a date") }, /runAt/],
  ["a runAt that is not a Date", { runAt: "tomorrow" }, /runAt/],
  ["an unknown option key", { prio: 1 }, /prio/],
  ["an empty key", { key: "" }, /key/],
  ["an empty group", { group: "" }, /group/],
  ["a queue with surrounding spaces", { queue: " emails " }, /queue/],
];

/** Task options that make no sense. */
const BAD_TASK_OPTIONS: [string, Record<string, unknown>, RegExp][] = [
  ["attempts -1", { attempts: -1 }, /attempts/],
  ["an unknown backoff type", { backoff: { type: "linear" } }, /backoff.*linear/],
  ['a timeout of "soon"', { timeout: "soon" }, /timeout.*soon/],
  ["an unknown option", { retries: 3 }, /retries/],
];

export function registerBadInput(ctx: () => ConformanceContext): void {
  it("a payload that fails the schema throws ValidationError and writes nothing", async () => {
    const c = ctx();
    const task = c.errand.task({ name: "signup", schema: z.object({ email: z.string().email() }) });
    await rejectsValidation(() => task.enqueue({ email: "nope" }), /signup.*email/);
    await assertNothingWritten(c.errand);
  });

  for (const [what, make, message] of BAD_PAYLOADS) {
    it(`a payload with ${what} throws ValidationError and writes nothing`, async () => {
      const c = ctx();
      const task = c.errand.task<unknown>({ name: "plain" });
      await rejectsValidation(() => task.enqueue(make()), message);
      await rejectsValidation(() => c.errand.enqueue("by.name", make()), message);
      await assertNothingWritten(c.errand);
    });
  }

  it("a payload over maxPayloadBytes throws ValidationError and writes nothing", async () => {
    const c = ctx();
    const small = c.newErrand({ maxPayloadBytes: 1024 });
    const task = small.task<{ blob: string }>({ name: "big" });
    await rejectsValidation(() => task.enqueue({ blob: "x".repeat(2000) }), /limit of 1024/);
    await assertNothingWritten(small);
    const fits = await task.enqueue({ blob: "x".repeat(900) });
    assert.equal(fits.created, true);
  });

  for (const [what, options, message] of BAD_OPTIONS) {
    it(`${what} throws ValidationError and writes nothing`, async () => {
      const c = ctx();
      const task = c.errand.task({ name: "opts" });
      await rejectsValidation(() => task.enqueue({}, options as never), message);
      await rejectsValidation(() => c.errand.enqueue("by.name", {}, options as never), message);
      await assertNothingWritten(c.errand);
    });
  }

  it("negative priorities are accepted", async () => {
    const c = ctx();
    const job = await c.errand.task({ name: "low" }).enqueue({}, { priority: -100 });
    assert.equal((await c.errand.jobs.get(job.id))?.priority, -100);
  });
}

export function registerConfig(ctx: () => ConformanceContext): void {
  for (const [what, options, message] of BAD_TASK_OPTIONS) {
    it(`a task with ${what} throws ConfigError when declared`, () => {
      const c = ctx();
      throwsConfig(() => c.errand.task({ name: "bad", ...options } as never), message);
    });
  }

  it("declaring a task name twice throws ConfigError", () => {
    const c = ctx();
    c.errand.task({ name: "dup" });
    throwsConfig(() => c.errand.task({ name: "dup" }), /"dup".*already/);
  });

  it("an unknown store URL throws ConfigError when the Errand is made", () => {
    throwsConfig(() => new Errand({ store: "mysql://x", logger: false }), /mysql/);
  });

  it("a negative maxPayloadBytes throws ConfigError when the Errand is made", () => {
    const c = ctx();
    throwsConfig(() => c.newErrand({ maxPayloadBytes: -5 }), /maxPayloadBytes/);
  });
}
