import type { Store } from "../../src/stores/contract.ts";

/** One isolated store for one test: its own file, schema or key prefix. */
export interface StoreTarget {
  /**
   * Opens a new connection to this test's store. Each call is like another process:
   * conformance cases open several to test what happens between processes.
   */
  open(): Store;
  /** A store URL that opens the same isolated store from a child process, or null when it cannot be shared. */
  url: string | null;
  /** Deletes the test's data; called after each test. */
  cleanup(): Promise<void>;
}

/** How the conformance suite gets stores of one kind. */
export interface StoreHarness {
  /** Shown in test names: "sqlite", "postgres", "redis". */
  name: string;
  /** Makes a fresh, empty, isolated store for one test. */
  prepare(): Promise<StoreTarget>;
}
