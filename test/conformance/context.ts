import { afterEach, beforeEach, type TestContext } from "node:test";

import { Errand, type ErrandOptions } from "../../src/errand.ts";
import type { StoreCapabilities } from "../../src/stores/capabilities.ts";
import type { Store } from "../../src/stores/contract.ts";
import { TestClock } from "../../src/testing/test-clock.ts";
import type { StoreHarness, StoreTarget } from "../harness/store-harness.ts";

/** What every conformance case gets: a fresh isolated store and ways to use it. */
export interface ConformanceContext {
  /** The store's name, for messages. */
  storeName: string;
  /** A raw connection to the test's store, for contract-level cases. */
  store: Store;
  /** An Errand on `store`, driven by `clock`. Logging is off. */
  errand: Errand;
  /** The clock `errand` passes to the store; move it instead of sleeping. */
  clock: TestClock;
  /**
   * Another Errand on the same data through its own connection, like another process.
   * Uses `clock` unless `clock` is given (pass `clock: undefined` for the store's real clock).
   */
  newErrand(options?: Partial<ErrandOptions>): Errand;
  /** Another raw connection to the same data. */
  openStore(): Store;
  /** The isolated store, for cases that start child processes (`target.url`). */
  target: StoreTarget;
  capabilities: StoreCapabilities;
}

/** A file of cases: registers describe/it blocks that read the current context. */
export type ConformanceCases = (ctx: () => ConformanceContext) => void;

/**
 * Registers hooks that give each test a fresh context, and closes everything the test
 * opened afterwards. Returns the getter the cases use.
 */
export function useConformanceContext(harness: StoreHarness): () => ConformanceContext {
  let current: ConformanceContext | null = null;
  let closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    const target = await harness.prepare();
    const clock = new TestClock();
    const stores: Store[] = [];
    const openStore = (): Store => {
      const store = target.open();
      stores.push(store);
      return store;
    };
    const errands: Errand[] = [];
    const newErrand = (options: Partial<ErrandOptions> = {}): Errand => {
      const errand = new Errand({ store: openStore(), clock, logger: false, ...options });
      errands.push(errand);
      return errand;
    };
    const store = openStore();
    const errand = new Errand({ store, clock, logger: false });
    errands.push(errand);
    await errand.migrate();
    closers = [
      async () => {
        await Promise.all(errands.map((e) => e.close({ grace: 0 })));
        await Promise.all(stores.map((s) => s.close()));
      },
      () => target.cleanup(),
    ];
    current = {
      storeName: harness.name,
      store,
      errand,
      clock,
      newErrand,
      openStore,
      target,
      capabilities: store.capabilities,
    };
  });

  afterEach(async () => {
    for (const close of closers) await close();
    closers = [];
    current = null;
  });

  return () => {
    if (!current) throw new Error("The conformance context is only available inside a test.");
    return current;
  };
}

/**
 * Skips the running test, with the reason, when the store lacks a capability. Returns
 * true when the test should go on.
 */
export function requireCapability(
  t: TestContext,
  ctx: ConformanceContext,
  capability: keyof StoreCapabilities,
): boolean {
  if (ctx.capabilities[capability]) return true;
  t.skip(`the ${ctx.storeName} store has no ${capability} capability`);
  return false;
}
