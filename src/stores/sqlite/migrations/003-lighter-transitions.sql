-- 003-lighter-transitions: every state change rewrote errand_jobs_queue_state, since state
-- is one of its columns; a job changes state at least twice (claim, settle). No claim
-- query reads it: claims read errand_jobs_group_due. What it served moves to indexes that
-- a state change leaves alone or that only finished jobs enter:
--   counts (one queue's jobs by state) and list by queue read errand_jobs_queue, which
--   holds no state, so SQLite skips it on every UPDATE of state;
--   prune reads errand_jobs_finished (queue, state, finished_at).
-- Runs once per database file inside one IMMEDIATE transaction.
CREATE INDEX errand_jobs_queue ON errand_jobs (queue);
DROP INDEX errand_jobs_queue_state;
