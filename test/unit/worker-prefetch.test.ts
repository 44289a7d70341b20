import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigError, TimeoutError } from "../../src/errors.ts";
import { Attempt } from "../../src/worker/attempt.ts";
import { resolveWorkOptions } from "../../src/worker/worker-options.ts";

describe("work() option prefetch", () => {
  it("defaults to 0 and keeps a whole number", () => {
    assert.equal(resolveWorkOptions({}, ["default"]).prefetch, 0);
    assert.equal(resolveWorkOptions({ prefetch: 200 }, ["default"]).prefetch, 200);
  });

  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 10_001, "5", null]) {
    it(`refuses ${String(bad)} with a ConfigError that names the option`, () => {
      assert.throws(
        () => resolveWorkOptions({ prefetch: bad as number }, ["default"]),
        (error: unknown) =>
          error instanceof ConfigError &&
          /work\(\): prefetch must be a whole number/.test(error.message),
      );
    });
  }
});

describe("one attempt of a handler", () => {
  it("a plain value comes back as is, without a promise", () => {
    const attempt = new Attempt();
    assert.equal(
      attempt.run(() => 42),
      42,
    );
  });

  it("makes no AbortController until the signal is read", () => {
    const original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends original {
      constructor() {
        super();
        made += 1;
      }
    };
    try {
      const attempt = new Attempt();
      attempt.run(() => "quiet");
      attempt.abort(new Error("late"));
      assert.equal(made, 0);
      const signal = attempt.signal;
      assert.equal(made, 1);
      assert.equal(signal.aborted, true, "a signal read after the abort is already aborted");
      assert.equal((signal.reason as Error).message, "late");
    } finally {
      globalThis.AbortController = original;
    }
  });

  it("an abort ends the wait for a handler that never returns, and aborts its signal", async () => {
    const attempt = new Attempt();
    let signal: AbortSignal | undefined;
    const waiting = attempt.run(() => {
      signal = attempt.signal;
      return new Promise<never>(() => undefined);
    });
    const reason = new Error("shutdown");
    attempt.abort(reason);
    await assert.rejects(Promise.resolve(waiting), (error) => error === reason);
    assert.equal(signal?.aborted, true);
    assert.equal(signal?.reason, reason);
  });

  it("what a handler returns after the abort is ignored, and its late failure is not unhandled", async () => {
    const attempt = new Attempt();
    let fail!: (error: Error) => void;
    const waiting = attempt.run(() => new Promise<never>((_, reject) => (fail = reject)));
    attempt.abort(new Error("cancelled"));
    await assert.rejects(Promise.resolve(waiting), /cancelled/);
    fail(new Error("too late"));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it("an attempt aborted before it starts never calls the handler", () => {
    const attempt = new Attempt();
    attempt.abort(new Error("cancelled first"));
    let called = false;
    assert.throws(
      () =>
        attempt.run(() => {
          called = true;
        }),
      /cancelled first/,
    );
    assert.equal(called, false);
  });

  it("a timeout aborts with the reason it makes, and clearing it keeps the attempt alive", async () => {
    const timedOut = new Attempt();
    timedOut.timeout(5, () => new TimeoutError("too slow"));
    await assert.rejects(
      Promise.resolve(timedOut.run(() => new Promise<never>(() => undefined))),
      TimeoutError,
    );
    const cleared = new Attempt();
    const clear = cleared.timeout(5, () => new TimeoutError("too slow"));
    clear();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(cleared.aborted, false);
    assert.equal(await cleared.run(() => Promise.resolve("fine")), "fine");
  });
});
