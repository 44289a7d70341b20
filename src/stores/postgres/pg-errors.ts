import { StoreUnavailableError } from "../../errors.ts";

/*
 * Which failures mean "the database cannot be reached right now" rather than "this call
 * is wrong". Those become StoreUnavailableError, which workers retry with backoff and
 * producers can catch by class; anything else is a bug and is thrown as it is.
 */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
]);

const SERVER_CODES = new Set([
  "57P01", // admin_shutdown: the server is stopping or restarting
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or shutting down
  "57P05", // idle_session_timeout
  "25P03", // idle_in_transaction_session_timeout: the session was ended mid-transaction
  "53300", // too_many_connections
  "53400", // configuration_limit_exceeded
  "58030", // io_error
]);

// pg reports a dropped socket, a closed pool, a connect timeout or a reply that never
// came (query_timeout) with plain Errors.
const CONNECTION_MESSAGES =
  /Query read timeout|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|is not queryable|Connection ended|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Cannot use a pool after calling end/i;

/** True when `error` means the database could not be reached or dropped the connection. */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith("08")) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === "string" && CONNECTION_MESSAGES.test(message);
}

/** Rethrows a connection failure as StoreUnavailableError, anything else unchanged. */
export function rethrowPgError(error: unknown): never {
  if (error instanceof StoreUnavailableError) throw error;
  if (isConnectionError(error)) {
    const detail = (error as Error).message || String((error as { code?: unknown }).code);
    throw new StoreUnavailableError(
      `PostgreSQL is unavailable (${detail}); workers retry on their own, producers may retry the call.`,
      { cause: error },
    );
  }
  throw error;
}
