-- 001-init: the jobs table, its indexes, queue settings and the store clock.
-- Runs once per schema, inside migrate.ts's transaction that holds the schema's advisory
-- lock, so processes starting together apply it exactly once. /* schema */ is replaced by
-- the quoted schema name when the file is loaded; nothing else is ever spliced in.

-- The store's clock in milliseconds since the epoch. Every time-dependent query writes
-- coalesce($now, now_ms()): tests pass `now`, production leaves it null so the database
-- decides (rule 4: workers with skewed clocks agree). now() is the transaction's start,
-- which for the single-statement queries here is the statement's start.
CREATE FUNCTION /* schema */.now_ms() RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT floor(extract(epoch FROM now()) * 1000)::bigint $$;

-- Ids come from this sequence rather than an identity default so enqueue can draw them
-- in input order before inserting, and so map each input to its id without relying on
-- the order of RETURNING rows.
CREATE SEQUENCE /* schema */.job_ids AS bigint;

CREATE TABLE /* schema */.jobs (
  id               bigint  PRIMARY KEY DEFAULT nextval('/* schema */.job_ids'),
  name             text    NOT NULL,
  queue            text    NOT NULL,
  state            text    NOT NULL
                   CHECK (state IN ('scheduled', 'waiting', 'active', 'completed', 'dead', 'cancelled')),
  -- JSON text, never parsed here: the runtime encodes and decodes it.
  data             text    NOT NULL,
  result           text,
  error            text,
  progress         text,
  logs             jsonb   NOT NULL DEFAULT '[]',
  priority         bigint  NOT NULL DEFAULT 0,
  attempt          integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  attempts         bigint  NOT NULL CHECK (attempts >= 1),
  stalls           integer NOT NULL DEFAULT 0 CHECK (stalls >= 0),
  max_stalls       bigint  NOT NULL CHECK (max_stalls >= 1),
  key              text,
  grp              text,
  token            text,
  worker           text,
  -- Times are milliseconds since the epoch on the store's clock (see now_ms above).
  lease_expires_at bigint,
  created_at       bigint  NOT NULL,
  run_at           bigint  NOT NULL,
  started_at       bigint,
  finished_at      bigint,
  -- An active job always has a lease; no other state has one.
  CHECK ((state = 'active') = (token IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- Claim order for jobs ready to run. Partial, so finished jobs (the bulk of a busy table)
-- and delayed jobs are not in it at all: a claim reads just the head of each queue, in
-- order, however many jobs are finished or waiting. See docs/postgres.md for the plan.
CREATE INDEX jobs_waiting ON /* schema */.jobs (queue, priority DESC, run_at, id)
  WHERE state = 'waiting';

-- Delayed jobs by due time: a claim range-scans only those already due, and idle workers
-- read the next due time to sleep just long enough.
CREATE INDEX jobs_scheduled ON /* schema */.jobs (queue, run_at)
  WHERE state = 'scheduled';

-- Rescue finds expired leases without scanning finished jobs.
CREATE INDEX jobs_leases ON /* schema */.jobs (lease_expires_at)
  WHERE state = 'active';

-- Retention prunes by finish time per queue and state.
CREATE INDEX jobs_finished ON /* schema */.jobs (queue, state, finished_at)
  WHERE state IN ('completed', 'dead', 'cancelled');

-- Listing newest first by queue and state.
CREATE INDEX jobs_queue_state ON /* schema */.jobs (queue, state, id);

-- Deduplication: one live job per key and queue, enforced by the database itself;
-- enqueue inserts with ON CONFLICT DO NOTHING against it.
CREATE UNIQUE INDEX jobs_live_key ON /* schema */.jobs (queue, key)
  WHERE key IS NOT NULL AND state IN ('scheduled', 'waiting', 'active');

CREATE TABLE /* schema */.queues (
  queue  text    PRIMARY KEY,
  paused boolean NOT NULL DEFAULT false
);
