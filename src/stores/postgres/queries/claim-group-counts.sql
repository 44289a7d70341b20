-- claim-group-counts: running jobs and recent starts of tasks per group, for a flow claim
-- that keeps group limits. $1 task names text[], $2 group keys text[], $3 each pair's group
-- rate window in ms bigint[] (null: no group rate limit), $4 now bigint. Parallel arrays,
-- one (task, group) pair per slot.
-- Returns per pair: ord (its 1-based slot), active (running jobs of the task in that group,
-- in every queue), starts (starts within the window) and oldest (the oldest of them).
-- Reads jobs_active_task and starts_group, inside the flow claim's transaction.
SELECT p.ord::int AS ord, a.n AS active, s.n AS starts, s.oldest
FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS p(name, grp, per_ms, ord)
CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM /* schema */.jobs j
                    WHERE j.name = p.name AND j.grp = p.grp AND j.state = 'active') a
CROSS JOIN LATERAL (SELECT count(*)::int AS n, min(st.at) AS oldest FROM /* schema */.starts st
                    WHERE st.name = p.name AND st.grp = p.grp
                      AND st.at > $4::bigint - p.per_ms) s;
