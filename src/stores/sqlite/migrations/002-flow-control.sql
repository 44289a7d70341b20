-- 002-flow-control: per-task pause, upstream blocks, rate-limit start records, fair
-- rotation cursors, cron schedules, and the indexes that claim's limits and enqueue's
-- throttle read. Runs once per database file inside one IMMEDIATE transaction.

-- Paused tasks: claims skip their jobs in every queue until resumed.
CREATE TABLE errand_task_pauses (
  name TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Upstream rate limits reported by handlers: no job of the task (grp = '' for the whole
-- task, else only that group; group keys are never empty) starts before `until`.
CREATE TABLE errand_blocks (
  queue TEXT    NOT NULL,
  name  TEXT    NOT NULL,
  grp   TEXT    NOT NULL,
  until INTEGER NOT NULL,
  PRIMARY KEY (queue, name, grp)
) WITHOUT ROWID;

-- One row per start of a rate-limited task, so later claims can count the starts in
-- their window; rows older than the largest window are deleted by claim.
CREATE TABLE errand_starts (
  id   INTEGER PRIMARY KEY,
  name TEXT    NOT NULL,
  grp  TEXT,
  at   INTEGER NOT NULL
);
CREATE INDEX errand_starts_task ON errand_starts (name, at);
CREATE INDEX errand_starts_group ON errand_starts (name, grp, at) WHERE grp IS NOT NULL;

-- Fair rotation: when each group bucket of a queue (grp = '' for jobs without a group) last
-- ended its turn. `served` comes from one sequence that only grows, so the least recently
-- served bucket has the smallest value. `used` counts the jobs a bucket took in a turn
-- that a full claim cut short, so a weighted turn carries on in the next claim.
CREATE TABLE errand_group_cursors (
  queue  TEXT    NOT NULL,
  grp    TEXT    NOT NULL,
  served INTEGER NOT NULL,
  used   INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
  PRIMARY KEY (queue, grp)
) WITHOUT ROWID;
CREATE INDEX errand_group_cursors_served ON errand_group_cursors (served);

-- Cron schedules. next_run_at is the next occurrence to enqueue; fire-schedule moves it
-- with a compare-and-set, which is what makes each occurrence fire exactly once.
CREATE TABLE errand_schedules (
  name        TEXT    PRIMARY KEY,
  cron        TEXT    NOT NULL,
  tz          TEXT    NOT NULL,
  task        TEXT    NOT NULL,
  queue       TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  options     TEXT    NOT NULL,
  misfire     TEXT    NOT NULL CHECK (misfire IN ('runOnce', 'skip')),
  next_run_at INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX errand_schedules_due ON errand_schedules (next_run_at);

-- Due jobs per group bucket, in claim order: every claim reads each bucket's head here
-- (jobs without a group are the grp IS NULL range). It replaces errand_jobs_due, which no
-- query reads any more and which every enqueue and claim would otherwise keep writing.
CREATE INDEX errand_jobs_group_due ON errand_jobs (queue, grp, priority DESC, run_at, id)
  WHERE state IN ('waiting', 'scheduled');
DROP INDEX errand_jobs_due;

-- Active jobs per task and group, counted by claims that keep concurrency limits.
CREATE INDEX errand_jobs_active_task ON errand_jobs (name, grp)
  WHERE state = 'active';

-- Throttle: the newest job of a key, whatever its state.
CREATE INDEX errand_jobs_key_created ON errand_jobs (queue, key, created_at)
  WHERE key IS NOT NULL;
