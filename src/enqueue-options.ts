import { ValidationError } from "./errors.ts";
import { type Duration, toMs } from "./policy/durations.ts";
import { identifierProblem } from "./policy/identifiers.ts";
import { encodePayload } from "./policy/payload.ts";
import { checkDelay, checkRunAt } from "./policy/run-at.ts";
import { validateWithSchema } from "./schema.ts";
import type { NewJob } from "./stores/contract.ts";
import { isName, type TaskDefinition } from "./task-options.ts";

/** Per-job options of `enqueue`. */
export interface EnqueueOptions {
  /** Overrides the task's priority; higher runs first. */
  priority?: number;
  /** Run no earlier than this long from now (the store's clock). */
  delay?: Duration;
  /** Run no earlier than this instant. Give `delay` or `runAt`, not both. */
  runAt?: Date;
  /** Deduplication: while a job of this key is live in the queue, enqueue returns it. */
  key?: string;
  /**
   * With `key`: while the key's job has not started, a new enqueue replaces its data and
   * pushes its start to this long from now; the last call within the window wins.
   */
  debounce?: Duration;
  /**
   * With `key`: the first enqueue wins; later ones return that job and write nothing while
   * it is live or was created less than this long ago.
   */
  throttle?: Duration;
  /** Group key, for fairness and per-group limits. */
  group?: string;
  /** Overrides the task's total tries. */
  attempts?: number;
  /** Overrides the task's queue. Needed to enqueue by name a task this process did not declare. */
  queue?: string;
  /** The caller's open transaction, on stores that support transactional enqueue. */
  tx?: unknown;
}

const OPTION_KEYS = new Set([
  "priority",
  "delay",
  "runAt",
  "key",
  "debounce",
  "throttle",
  "group",
  "attempts",
  "queue",
  "tx",
]);

function invalid(message: string, path: string): never {
  throw new ValidationError(message, [{ message, path: [path] }]);
}

function checkString(value: unknown, what: string, max: number): string | null {
  if (value === undefined) return null;
  if (typeof value !== "string" || value.length === 0 || value.length > max) {
    invalid(`The ${what} option must be a non-empty string of at most ${max} characters.`, what);
  }
  checkIdentifier(value, `The ${what} option`, what);
  return value;
}

/** Refuses NUL characters and lone surrogates, which not every store can keep. */
function checkIdentifier(value: string, what: string, path: string): void {
  const problem = identifierProblem(value);
  if (problem !== null) invalid(`${what} ${problem}; no store can keep it unchanged.`, path);
}

/** Checks enqueue options; throws ValidationError saying what to fix. */
export function checkEnqueueOptions(options: EnqueueOptions | undefined): EnqueueOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    invalid("Enqueue options must be an object.", "options");
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) invalid(`Unknown enqueue option "${key}".`, key);
  }
  if (options.priority !== undefined && !Number.isSafeInteger(options.priority)) {
    invalid(`priority must be a whole number, got ${String(options.priority)}.`, "priority");
  }
  if (
    options.attempts !== undefined &&
    !(Number.isSafeInteger(options.attempts) && options.attempts >= 1)
  ) {
    invalid(
      `attempts must be a whole number of 1 or more, got ${String(options.attempts)}.`,
      "attempts",
    );
  }
  if (options.delay !== undefined && options.runAt !== undefined) {
    invalid("Give either delay or runAt, not both.", "delay");
  }
  if (
    options.runAt !== undefined &&
    !(options.runAt instanceof Date && Number.isFinite(options.runAt.getTime()))
  ) {
    invalid("runAt must be a valid Date.", "runAt");
  }
  if (options.runAt !== undefined) checkRunAt(options.runAt.getTime());
  if (options.queue !== undefined && !isName(options.queue)) {
    invalid(
      `queue must be a non-empty string without surrounding spaces, got ${JSON.stringify(options.queue)}.`,
      "queue",
    );
  }
  if (options.queue !== undefined) checkIdentifier(options.queue, "The queue option", "queue");
  if (options.delay !== undefined) windowMs(options.delay, "delay");
  checkString(options.key, "key", 512);
  checkString(options.group, "group", 512);
  checkKeyWindows(options);
  return options;
}

/** debounce and throttle need a key, exclude each other, and do not go with delay or runAt. */
function checkKeyWindows(options: EnqueueOptions): void {
  for (const what of ["debounce", "throttle"] as const) {
    const value = options[what];
    if (value === undefined) continue;
    if (options.key === undefined)
      invalid(`${what} needs a key: the key names what is ${what}d.`, what);
    if (options.delay !== undefined || options.runAt !== undefined) {
      invalid(`${what} sets when the job runs; leave out delay and runAt.`, what);
    }
    if (windowMs(value, what) < 1) invalid(`${what} must be more than zero.`, what);
  }
  if (options.debounce !== undefined && options.throttle !== undefined) {
    invalid("Give either debounce or throttle, not both.", "debounce");
  }
}

function windowMs(value: Duration | undefined, what: string): number {
  if (value === undefined) return 0;
  const ms = toMs(value, what, (m) => new ValidationError(m, [{ message: m, path: [what] }]));
  return checkDelay(ms, what);
}

/**
 * Turns one enqueue call into the row the store writes: options checked, the payload
 * validated against the task's schema (when the task is declared here) and encoded.
 * The input payload is stored, not the schema's output, so the worker validates and
 * transforms it again when it takes the job.
 */
export async function buildNewJob(
  name: string,
  task: TaskDefinition | null,
  data: unknown,
  rawOptions: EnqueueOptions | undefined,
  maxPayloadBytes: number,
): Promise<NewJob> {
  checkIdentifier(name, "The task name", "name");
  const options = checkEnqueueOptions(rawOptions);
  // Encoding first bounds the payload's size and depth before a schema walks it.
  const encoded = encodePayload(data, maxPayloadBytes);
  if (task?.schema) await validateWithSchema(task.schema, data, name);
  const debounceMs = options.debounce === undefined ? null : windowMs(options.debounce, "debounce");
  // A debounced job with no holder to take over is due after the window, like a delay.
  const delayMs = debounceMs ?? windowMs(options.delay, "delay");
  return {
    name,
    queue: options.queue ?? task?.queue ?? "default",
    data: encoded,
    priority: options.priority ?? task?.priority ?? 0,
    runAt: options.runAt ? options.runAt.getTime() : null,
    delayMs,
    attempts: options.attempts ?? task?.attempts ?? 3,
    maxStalls: task?.maxStalls ?? 3,
    key: options.key ?? null,
    group: options.group ?? null,
    debounceMs,
    throttleMs: options.throttle === undefined ? null : windowMs(options.throttle, "throttle"),
  };
}
