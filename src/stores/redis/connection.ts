import { Cluster, Redis } from "ioredis";

import { ConfigError, StoreUnavailableError } from "../../errors.ts";
import { errorMessage, type Logger } from "../../logger.ts";

/** A connection the store talks through: one server, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Delay before the n-th reconnection attempt: exponential from 50 ms to 2 s, with jitter
 * so that many processes do not hit a restarted server in step.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(2_000, 50 * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Options for connections the store opens itself. Commands fail at once while the server
 * is unreachable (no offline queue, no retries of a sent command), so producers get
 * StoreUnavailableError promptly and workers back off through their own retries. A
 * command lost with its connection is never sent again behind the caller's back: a
 * script that may have run already must not run twice.
 */
export const CONNECTION_OPTIONS = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 5_000,
  // How long a closing connection may take to end cleanly; ioredis keeps a timer this
  // long even for a socket that is already gone, which would hold the process open.
  disconnectTimeout: 200,
  retryStrategy: (attempt: number) => reconnectDelay(attempt),
} as const;

/** Timeouts of the connections the store opens itself. */
export interface ConnectionTimeouts {
  /** How long a command may wait for its reply. */
  commandTimeoutMs: number;
  /** TCP keep-alive: idle time before the first probe; 0 turns it off. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: ConnectionTimeouts = {
  commandTimeoutMs: 10_000,
  keepAliveMs: 10_000,
};

/**
 * ioredis options for the timeouts. The command timeout rejects the call; the socket
 * timeout, equal to it, also destroys a connection that has sent nothing back for that
 * long while replies are owed. Without the latter, a network that silently dropped the
 * bytes would leave the timed-out commands queued, and later replies would be matched
 * to the wrong commands; a fresh connection starts with an empty queue.
 */
function timeoutOptions(commandTimeoutMs: number, keepAliveMs: number) {
  return {
    commandTimeout: commandTimeoutMs,
    socketTimeout: commandTimeoutMs,
    keepAlive: keepAliveMs,
  };
}

/**
 * ioredis arms its socket timer when a command is written and disarms it only when data
 * arrives on that same socket. A connection that closes with a reply owed leaves the
 * timer running, and when it fires it destroys whatever socket the client has by then:
 * the healthy one it reconnected with. Disarming it on every close keeps the timer to
 * the socket it was armed for.
 */
function disarmSocketTimerOnClose(client: Redis): Redis {
  const internals = client as unknown as { socketTimeoutTimer?: ReturnType<typeof setTimeout> };
  client.on("close", () => {
    clearTimeout(internals.socketTimeoutTimer);
    internals.socketTimeoutTimer = undefined;
  });
  return client;
}

/** Opens a client for a `redis://` or `rediss://` URL with {@link CONNECTION_OPTIONS}. */
export function connectUrl(url: string, timeouts: ConnectionTimeouts = DEFAULT_TIMEOUTS): Redis {
  return disarmSocketTimerOnClose(
    new Redis(url, {
      ...CONNECTION_OPTIONS,
      ...timeoutOptions(timeouts.commandTimeoutMs, timeouts.keepAliveMs),
    }),
  );
}

/**
 * A second connection like `client`, for blocking reads of up to `blockMs`. When `client`
 * has a command timeout, the reader's is that plus the block time: a read that waits its
 * full block is not a dead connection, a read silent for longer is.
 */
export function duplicateClient(client: RedisClient, blockMs: number): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate([], {
      lazyConnect: true,
      enableOfflineQueue: false,
      redisOptions: { ...client.options.redisOptions, maxRetriesPerRequest: 0 },
    });
  }
  const { commandTimeout, keepAlive } = client.options;
  return disarmSocketTimerOnClose(
    client.duplicate({
      ...CONNECTION_OPTIONS,
      ...(commandTimeout === undefined
        ? {}
        : timeoutOptions(commandTimeout + blockMs, keepAlive ?? 0)),
    }),
  );
}

/** Checks the timeout options of `new RedisStore()` and fills in the defaults. */
export function checkTimeouts(options: {
  client?: unknown;
  commandTimeoutMs?: number;
  keepAliveMs?: number;
}): ConnectionTimeouts {
  for (const key of ["commandTimeoutMs", "keepAliveMs"] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (options.client !== undefined)
      throw new ConfigError(
        `RedisStore: ${key} applies to the connection the store opens from url; set ioredis's own options on the client you pass.`,
      );
    const least = key === "keepAliveMs" ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least)
      throw new ConfigError(
        `RedisStore: ${key} must be a whole number of milliseconds of ${least} or more, got ${String(value)}.`,
      );
  }
  return {
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_TIMEOUTS.commandTimeoutMs,
    keepAliveMs: options.keepAliveMs ?? DEFAULT_TIMEOUTS.keepAliveMs,
  };
}

/** Server replies that mean "not now" rather than "wrong call". */
const UNAVAILABLE_REPLY =
  /^(LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY|NOREPLICAS|OOM|NOAUTH|WRONGPASS|MOVED|ASK)\b/;

/**
 * Maps what a client call threw: connection failures and "not now" replies become
 * StoreUnavailableError; anything else (a script's own error is a bug) passes unchanged.
 */
export function toStoreError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof StoreUnavailableError) return error;
  if (error.name === "ReplyError" && !UNAVAILABLE_REPLY.test(error.message)) return error;
  const hint = error.message.startsWith("OOM")
    ? " Redis reached maxmemory; free memory or raise the limit."
    : "";
  const message = error.message.replace(/\.$/, "");
  return new StoreUnavailableError(`Redis is unavailable: ${message}.${hint}`, {
    cause: error,
  });
}

/**
 * Resolves once `client` can take commands, connecting it on first use. While it is
 * between reconnection attempts this fails at once instead of waiting, so callers back
 * off on their own schedule.
 */
export async function ensureReady(client: RedisClient, timeoutMs: number): Promise<void> {
  switch (client.status) {
    case "ready":
      return;
    case "wait":
      try {
        await client.connect();
      } catch (error) {
        if ((client.status as string) !== "ready") throw toStoreError(error);
      }
      return;
    case "connecting":
    case "connect":
      return waitForReady(client, timeoutMs);
    case "reconnecting":
      throw new StoreUnavailableError(
        "Redis is unavailable: reconnecting after a lost connection.",
      );
    default:
      throw new StoreUnavailableError(`Redis is unavailable: the connection is ${client.status}.`);
  }
}

function waitForReady(client: RedisClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("reconnecting", onFailed);
      client.off("end", onFailed);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => done();
    const onFailed = (): void =>
      done(new StoreUnavailableError("Redis is unavailable: the connection attempt failed."));
    const timer = setTimeout(
      () =>
        done(new StoreUnavailableError(`Redis is unavailable: not ready after ${timeoutMs} ms.`)),
      timeoutMs,
    );
    client.once("ready", onReady);
    client.once("reconnecting", onFailed);
    client.once("end", onFailed);
  });
}

/**
 * Logs connection errors through `logger`, once per outage rather than once per
 * reconnection attempt, and keeps them from surfacing as unhandled 'error' events.
 */
export function watchErrors(client: RedisClient, logger: Logger, what: string): () => void {
  let reported = false;
  const onError = (error: unknown): void => {
    if (reported) return;
    reported = true;
    logger.warn(`${what}: connection error; reconnecting with backoff`, {
      error: errorMessage(error),
    });
  };
  const onReady = (): void => {
    if (reported) logger.info(`${what}: connection restored`);
    reported = false;
  };
  client.on("error", onError);
  client.on("ready", onReady);
  return () => {
    client.off("error", onError);
    client.off("ready", onReady);
  };
}

/**
 * Warns once when a server may evict keys under memory pressure: eviction deletes job
 * hashes and index entries silently, losing jobs. Servers that refuse CONFIG are skipped.
 */
export async function checkEvictionPolicy(client: RedisClient, logger: Logger): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const policies = await Promise.all(
    nodes.map(async (node) => {
      try {
        const reply = (await node.config("GET", "maxmemory-policy")) as string[];
        return reply[1] ?? null;
      } catch {
        return null;
      }
    }),
  );
  const risky = policies.filter((p): p is string => p !== null && p !== "noeviction");
  if (risky.length > 0) {
    logger.warn(
      `Redis maxmemory-policy is "${risky[0]}": under memory pressure Redis may evict job keys and silently lose jobs. Set maxmemory-policy to noeviction for Errand's server.`,
      { maxmemoryPolicy: risky[0] },
    );
  }
}
