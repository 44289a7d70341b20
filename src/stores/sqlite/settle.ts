import type { Outcome } from "../contract.ts";
import { rowId } from "./rows.ts";
import type { QueryName, Statements } from "./statements.ts";

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

type ManyQuery =
  | "settle-complete-many"
  | "settle-remove-many"
  | "settle-retry-many"
  | "settle-dead-many"
  | "settle-release-many"
  | "settle-postpone-many";

/** The batch statement of an outcome and the fields it reads from its JSON item. */
function batchItem(outcome: Outcome, id: number, now: number): [ManyQuery, object] {
  const { token } = outcome;
  switch (outcome.kind) {
    case "complete":
      return outcome.remove
        ? ["settle-remove-many", { id, token }]
        : ["settle-complete-many", { id, token, result: outcome.result }];
    case "retry":
      return [
        "settle-retry-many",
        { id, token, error: outcome.error, runAt: now + outcome.delayMs },
      ];
    case "dead":
      return ["settle-dead-many", { id, token, error: outcome.error }];
    case "release":
      return ["settle-release-many", { id, token }];
    case "postpone":
      return ["settle-postpone-many", { id, token, runAt: now + outcome.delayMs }];
  }
}

/**
 * Applies a batch of outcomes with one statement per kind present instead of one per job;
 * call inside settle's IMMEDIATE transaction. Each statement is fenced by every job's
 * token, and reports which rows it changed. A batch that names a job twice is applied one
 * outcome at a time, so the first wins exactly as it would have alone.
 */
export function settleMany(sql: Statements, outcomes: Outcome[], now: number): boolean[] {
  if (outcomes.length === 1) return [settleOne(sql, outcomes[0] as Outcome, now)];
  const ids = outcomes.map((o) => rowId(o.id));
  if (new Set(ids).size !== ids.length) return outcomes.map((o) => settleOne(sql, o, now));
  const groups = new Map<ManyQuery, object[]>();
  outcomes.forEach((outcome, i) => {
    const id = ids[i];
    if (id === null || id === undefined) return;
    const [query, item] = batchItem(outcome, id, now);
    const items = groups.get(query);
    if (items) items.push(item);
    else groups.set(query, [item]);
  });
  const applied = new Set<number>();
  for (const [query, items] of groups) {
    const statement = sql[query satisfies QueryName];
    // Plucked (statements.ts): the changed rows' ids, bare.
    for (const id of statement.all({ outcomes: JSON.stringify(items), now }) as number[])
      applied.add(id);
  }
  return ids.map((id) => id !== null && applied.has(id));
}
