/*
 * The PostgreSQL claim. Where no flow control is in play, one statement (claim.sql) leases
 * jobs as fast as before flow control existed: no transaction, no advisory lock. Where it
 * is (the worker passes limits, or the queues have grouped jobs pending, or a task is
 * paused or blocked), the flow claim runs instead (claim-flow.ts). claim.sql checks for
 * flow control itself and leases nothing when it finds it, so a claim is never wrong
 * about which path it needs; this class only remembers the answer per queue set, so the
 * next claim goes straight to the right path.
 */
import type pg from "pg";

import type { ClaimParams, ClaimResult } from "../contract.ts";
import { claimWithFlow } from "./claim-flow.ts";
import { inTransaction } from "./pg-client.ts";
import { rethrowPgError } from "./pg-errors.ts";
import { ms } from "./query-params.ts";
import { type ClaimRow, compareClaimOrder, toClaimedJob } from "./rows.ts";
import type { Queries } from "./sql-files.ts";

type PlainRow = { divert: boolean } & ({ id: null } | ClaimRow);

/** Claims jobs for one store, on the path each queue set needs. */
export class PgClaimer {
  /** Queue sets whose last claim found flow control in play. */
  private readonly flowQueues = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly sql: Queries,
    private readonly schema: string,
  ) {}

  async claim(params: ClaimParams): Promise<ClaimResult> {
    const limited = Object.keys(params.limits ?? {}).length > 0;
    const queueSet = [...new Set(params.queues)].sort().join("\u0000");
    try {
      if (!limited && !this.flowQueues.has(queueSet)) {
        const plain = await this.claimPlain(params);
        if (plain !== null) return plain;
        this.flowQueues.add(queueSet);
      }
      const flow = await inTransaction(this.pool, (client) =>
        claimWithFlow(client, this.sql, this.schema, params),
      );
      if (!limited && !flow.inPlay) this.flowQueues.delete(queueSet);
      return flow.result;
    } catch (error) {
      return rethrowPgError(error);
    }
  }

  /** The one-statement claim; null when flow control is in play and the flow claim must run. */
  private async claimPlain(params: ClaimParams): Promise<ClaimResult | null> {
    const now = params.now === undefined ? null : ms(params.now);
    const { rows } = await this.pool.query<PlainRow>(this.sql.claim, [
      params.queues,
      params.limit,
      ms(params.leaseMs),
      now,
      params.workerId,
    ]);
    if (rows[0]?.divert) return null;
    const jobs = rows
      .filter((row): row is PlainRow & ClaimRow => row.id !== null)
      .map(toClaimedJob)
      .sort(compareClaimOrder);
    let nextDueInMs: number | null = null;
    if (jobs.length < params.limit) {
      const next = await this.pool.query<{ in_ms: string | null }>(this.sql["next-due"], [
        params.queues,
        now,
      ]);
      const inMs = next.rows[0]?.in_ms;
      nextDueInMs = inMs === null || inMs === undefined ? null : Math.max(0, Number(inMs));
    }
    return { jobs, nextDueInMs };
  }
}
