import type { Outcome } from "../contract.ts";
import { rowId } from "./rows.ts";
import type { Statements } from "./statements.ts";

/** Applies one outcome, fenced by its token; call inside settle's IMMEDIATE transaction. */
export function settleOne(sql: Statements, outcome: Outcome, now: number): boolean {
  const id = rowId(outcome.id);
  const token = outcome.token;
  switch (outcome.kind) {
    case "complete":
      return outcome.remove
        ? sql["settle-remove"].run({ id, token }).changes === 1
        : sql["settle-complete"].run({ id, token, result: outcome.result, now }).changes === 1;
    case "retry":
      return (
        sql["settle-retry"].run({
          id,
          token,
          error: outcome.error,
          runAt: now + outcome.delayMs,
          now,
        }).changes === 1
      );
    case "dead":
      return sql["settle-dead"].run({ id, token, error: outcome.error, now }).changes === 1;
    case "release":
      return sql["settle-release"].run({ id, token }).changes === 1;
    case "postpone":
      return (
        sql["settle-postpone"].run({ id, token, runAt: now + outcome.delayMs, now }).changes === 1
      );
  }
}
