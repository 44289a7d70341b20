/**
 * The random commands of the property tests, as plain data so fast-check can print and
 * shrink them. Commands that act on a job or a lease name it by a number the runner
 * resolves against what exists at that step (modulo the count), so every sequence is
 * valid and shrinking keeps it meaningful.
 */
import fc from "fast-check";

export interface EnqueueSpec {
  /** 0 or 1: the run's first or second queue. */
  queue: number;
  task: number;
  /**
   * null, or one of three keys: collisions are frequent on purpose. Each key is always
   * used one way, as a task declares it: k0 plain dedupe, k1 debounce, k2 throttle.
   */
  key: number | null;
  delayMs: number;
  priority: number;
  attempts: number;
  maxStalls: number;
}

export type SettleKind =
  | { kind: "complete"; remove: boolean }
  | { kind: "retry"; delayMs: number }
  | { kind: "dead" }
  | { kind: "release" }
  | { kind: "postpone"; delayMs: number };

export type Command =
  | { op: "enqueue"; jobs: EnqueueSpec[] }
  | { op: "claim"; queues: number[]; limit: number; leaseMs: number }
  | { op: "race"; queues: number[]; limits: [number, number]; leaseMs: number }
  | { op: "extend"; leases: number[]; leaseMs: number }
  | { op: "progress"; lease: number; value: number }
  | { op: "log"; lease: number }
  | { op: "settle"; outcomes: { lease: number; how: SettleKind }[] }
  /** A settle on one connection at the same instant as a rescue or cancel on the other. */
  | { op: "settleRace"; lease: number; how: SettleKind; against: "rescue" | "cancel" }
  | { op: "advance"; ms: number }
  | { op: "rescue" }
  | { op: "cancel"; jobs: number[] }
  | { op: "retry"; jobs: number[] }
  | { op: "retryFilter"; queue: number; state: "dead" | "cancelled" }
  | { op: "remove"; jobs: number[] };

const queueSets: fc.Arbitrary<number[]> = fc.constantFrom<number[]>([0], [1], [0, 1], [1, 0]);
const leaseMs = fc.constantFrom(1_000, 5_000);
const delay = fc.constantFrom(0, 0, 1_500, 4_000);
const ref = fc.nat({ max: 1_000 });
const refs = fc.array(ref, { minLength: 1, maxLength: 2 });

const enqueueSpec: fc.Arbitrary<EnqueueSpec> = fc.record({
  queue: fc.nat({ max: 1 }),
  task: fc.nat({ max: 1 }),
  key: fc.option(fc.nat({ max: 2 }), { freq: 2 }),
  delayMs: delay,
  priority: fc.constantFrom(0, 0, 5, -1),
  attempts: fc.integer({ min: 1, max: 3 }),
  maxStalls: fc.integer({ min: 1, max: 3 }),
});

const settleKind: fc.Arbitrary<SettleKind> = fc.oneof(
  fc.record({ kind: fc.constant("complete" as const), remove: fc.boolean() }),
  fc.record({ kind: fc.constant("retry" as const), delayMs: delay }),
  fc.record({ kind: fc.constant("dead" as const) }),
  fc.record({ kind: fc.constant("release" as const) }),
  fc.record({ kind: fc.constant("postpone" as const), delayMs: delay }),
);

/** One command, weighted towards the ones that move jobs along. */
export const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("enqueue" as const),
      jobs: fc.array(enqueueSpec, { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("claim" as const),
      queues: queueSets,
      limit: fc.integer({ min: 1, max: 3 }),
      leaseMs,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("race" as const),
      queues: queueSets,
      limits: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      leaseMs,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("extend" as const), leases: refs, leaseMs }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("progress" as const),
      lease: ref,
      value: fc.nat({ max: 100 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("log" as const), lease: ref }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("settle" as const),
      outcomes: fc.array(fc.record({ lease: ref, how: settleKind }), {
        minLength: 1,
        maxLength: 2,
      }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("settleRace" as const),
      lease: ref,
      how: settleKind,
      against: fc.constantFrom("rescue" as const, "cancel" as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      ms: fc.constantFrom(500, 1_000, 2_000, 6_000),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("rescue" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancel" as const), jobs: refs }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("retry" as const), jobs: refs }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("retryFilter" as const),
      queue: fc.nat({ max: 1 }),
      state: fc.constantFrom("dead" as const, "cancelled" as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), jobs: refs }) },
);

/** A run's commands. */
export const commands = fc.array(command, { minLength: 10, maxLength: 50, size: "max" });
