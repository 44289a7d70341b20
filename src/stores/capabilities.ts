/**
 * What a store can do beyond the contract's common core. The runtime and the tests ask
 * these instead of checking which store they have.
 */
export interface StoreCapabilities {
  /** `enqueue` accepts the caller's open transaction (`tx`) and commits with it. */
  transactionalEnqueue: boolean;
  /** Several processes can work the same store at once. */
  multiProcess: boolean;
  /** Processes on different machines can share the store. */
  multiMachine: boolean;
  /** `subscribe` hears events published by other processes. */
  crossProcessEvents: boolean;
  /**
   * `enqueue` with an `origin` publishes the created jobs' `enqueued` events itself, so
   * the runtime does not spend a second round trip on them (see EnqueueParams.origin).
   */
  publishesEnqueued: boolean;
  /** The store outlives the process (false for in-memory SQLite). */
  durable: boolean;
}
