-- 002-flow-control: per-task pause, upstream blocks, rate-limit start records, fair
-- rotation cursors, cron schedules, and the indexes that the flow claim and enqueue's
-- throttle read. Runs once per schema inside migrate.ts's locked transaction. The index
-- changes lock the jobs table against writes while they build: on a large table, run the
-- migration in a quiet moment (docs/postgres.md).

-- Paused tasks: claims skip their jobs in every queue until resumed.
CREATE TABLE /* schema */.task_pauses (
  name text PRIMARY KEY
);

-- Upstream rate limits reported by handlers: no job of the task (grp = '' for the whole
-- task, else only that group; group keys are never empty) starts before `until`.
CREATE TABLE /* schema */.blocks (
  queue text   NOT NULL,
  name  text   NOT NULL,
  grp   text   NOT NULL,
  until bigint NOT NULL,
  PRIMARY KEY (queue, name, grp)
);

-- One row per start of a rate-limited task, so later claims can count the starts in their
-- window; rows older than the task's largest window are deleted by claims.
CREATE TABLE /* schema */.starts (
  id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text   NOT NULL,
  grp  text,
  at   bigint NOT NULL
);
CREATE INDEX starts_task ON /* schema */.starts (name, at);
CREATE INDEX starts_group ON /* schema */.starts (name, grp, at) WHERE grp IS NOT NULL;

-- Fair rotation: when each group bucket of a queue (grp = '' for jobs without a group)
-- last ended its turn. `served` is drawn from rotation_turns, which only grows, so the
-- least recently served bucket has the smallest value, even across claims of different
-- queues that run at the same time. `used` counts the jobs a bucket took in a turn that a
-- full claim cut short, so a weighted turn carries on in the next claim.
CREATE SEQUENCE /* schema */.rotation_turns AS bigint;
CREATE TABLE /* schema */.group_cursors (
  queue  text    NOT NULL,
  grp    text    NOT NULL,
  served bigint  NOT NULL,
  used   integer NOT NULL DEFAULT 0 CHECK (used >= 0),
  PRIMARY KEY (queue, grp)
);

-- Cron schedules. next_run_at is the next occurrence to enqueue; fire-schedule moves it
-- with a compare-and-set, which is what makes each occurrence fire exactly once.
CREATE TABLE /* schema */.schedules (
  name        text   PRIMARY KEY,
  cron        text   NOT NULL,
  tz          text   NOT NULL,
  task        text   NOT NULL,
  queue       text   NOT NULL,
  data        text   NOT NULL,
  options     text   NOT NULL,
  misfire     text   NOT NULL CHECK (misfire IN ('runOnce', 'skip')),
  next_run_at bigint NOT NULL,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL
);
CREATE INDEX schedules_due ON /* schema */.schedules (next_run_at);

-- The plain claim's index now holds only jobs without a group: those are all it reads (it
-- hands over to the flow claim as soon as a grouped job is pending), so a store that never
-- uses groups keeps one index entry per waiting job, as before.
DROP INDEX /* schema */.jobs_waiting;
CREATE INDEX jobs_waiting ON /* schema */.jobs (queue, priority DESC, run_at, id)
  WHERE state = 'waiting' AND grp IS NULL;

-- Pending grouped jobs per group bucket, in claim order: the flow claim lists a queue's
-- groups by skipping through it and reads each bucket's head here. Jobs without a group
-- are not in it, so it costs nothing to stores that never use groups.
CREATE INDEX jobs_group_due ON /* schema */.jobs (queue, grp, priority DESC, run_at, id)
  WHERE state IN ('waiting', 'scheduled') AND grp IS NOT NULL;

-- Running jobs per task and group, counted by claims that keep concurrency limits.
CREATE INDEX jobs_active_task ON /* schema */.jobs (name, grp)
  WHERE state = 'active';

-- Throttle: the newest job of a key, whatever its state.
CREATE INDEX jobs_key_created ON /* schema */.jobs (queue, key, created_at)
  WHERE key IS NOT NULL;
