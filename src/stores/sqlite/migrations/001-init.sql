-- 001-init: the jobs table, queue settings and the cross-process event log.
-- Runs once per database file inside one IMMEDIATE transaction (see migrate.ts).

CREATE TABLE errand_jobs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  name             TEXT    NOT NULL,
  queue            TEXT    NOT NULL,
  state            TEXT    NOT NULL
                   CHECK (state IN ('scheduled', 'waiting', 'active', 'completed', 'dead', 'cancelled')),
  data             TEXT    NOT NULL,
  result           TEXT,
  error            TEXT,
  progress         TEXT,
  logs             TEXT    NOT NULL DEFAULT '[]',
  priority         INTEGER NOT NULL DEFAULT 0,
  attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  attempts         INTEGER NOT NULL CHECK (attempts >= 1),
  stalls           INTEGER NOT NULL DEFAULT 0 CHECK (stalls >= 0),
  max_stalls       INTEGER NOT NULL CHECK (max_stalls >= 1),
  key              TEXT,
  grp              TEXT,
  token            TEXT,
  worker           TEXT,
  lease_expires_at INTEGER,
  created_at       INTEGER NOT NULL,
  run_at           INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  -- An active job always has a lease; no other state has one.
  CHECK ((state = 'active') = (token IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- Claim order: the claim scans this in priority, due-time, enqueue order per queue.
CREATE INDEX errand_jobs_due ON errand_jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('waiting', 'scheduled');

-- When the next delayed job falls due, so idle workers sleep just long enough.
CREATE INDEX errand_jobs_scheduled ON errand_jobs (queue, run_at)
  WHERE state = 'scheduled';

-- Rescue finds expired leases without scanning finished jobs.
CREATE INDEX errand_jobs_leases ON errand_jobs (lease_expires_at)
  WHERE state = 'active';

-- Retention prunes by finish time per queue and state.
CREATE INDEX errand_jobs_finished ON errand_jobs (queue, state, finished_at)
  WHERE state IN ('completed', 'dead', 'cancelled');

-- Listing newest first by queue or state.
CREATE INDEX errand_jobs_queue_state ON errand_jobs (queue, state, id);

-- Deduplication: one live job per key and queue, enforced by the database itself.
CREATE UNIQUE INDEX errand_jobs_live_key ON errand_jobs (queue, key)
  WHERE key IS NOT NULL AND state IN ('scheduled', 'waiting', 'active');

CREATE TABLE errand_queues (
  queue  TEXT PRIMARY KEY,
  paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1))
) WITHOUT ROWID;

-- Events for listeners in other processes on the same file, read by id and pruned by age.
CREATE TABLE errand_events (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  origin TEXT    NOT NULL,
  at     INTEGER NOT NULL,
  body   TEXT    NOT NULL
);
