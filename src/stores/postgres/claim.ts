/*
 * The PostgreSQL claim. Where no flow control is in play, one call (claim.sql, calling
 * claim_plain() of migration 003) leases jobs with no transaction and no advisory lock,
 * and says how long until the next job is due when it comes up short. Where flow control
 * is in play (the worker passes limits, or the queues have grouped jobs pending, or a
 * task is paused or blocked), the flow claim runs instead (claim-flow.ts). The plain
 * claim checks for flow control itself and leases nothing when it finds it, so a claim is
 * never wrong about which path it needs; this class only remembers the answer per queue
 * set, so the next claim goes straight to the right path.
 */
import type pg from "pg";

import type { ClaimParams, ClaimResult } from "../contract.ts";
import { claimWithFlow } from "./claim-flow.ts";
import { inTransaction } from "./pg-client.ts";
import { rethrowPgError } from "./pg-errors.ts";
import type { Statements } from "./prepared.ts";
import { ms } from "./query-params.ts";
import { type ClaimRow, compareClaimOrder, toClaimedJob } from "./rows.ts";

/** A row of claim_plain(): a claimed job, or (id null) the wait until the next is due. */
type PlainRow = { divert: boolean; next_in_ms: string | number | null } & ({ id: null } | ClaimRow);

/** Claims jobs for one store, on the path each queue set needs. */
export class PgClaimer {
  /** Queue sets whose last claim found flow control in play. */
  private readonly flowQueues = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly statements: Statements,
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
        claimWithFlow(client, this.statements, this.schema, params),
      );
      if (!limited && !flow.inPlay) this.flowQueues.delete(queueSet);
      return flow.result;
    } catch (error) {
      return rethrowPgError(error);
    }
  }

  /** The one-call claim; null when flow control is in play and the flow claim must run. */
  private async claimPlain(params: ClaimParams): Promise<ClaimResult | null> {
    const { rows } = await this.statements.query<PlainRow>(this.pool, "claim", [
      params.queues,
      params.limit,
      ms(params.leaseMs),
      params.now === undefined ? null : ms(params.now),
      params.workerId,
    ]);
    if (rows[0]?.divert) return null;
    const jobs: ClaimResult["jobs"] = [];
    let nextDueInMs: number | null = null;
    for (const row of rows) {
      if (row.id !== null) jobs.push(toClaimedJob(row));
      else if (row.next_in_ms !== null) nextDueInMs = Math.max(0, Number(row.next_in_ms));
    }
    jobs.sort(compareClaimOrder);
    return { jobs, nextDueInMs };
  }
}
