/*
 * The chaos ledger: one append-only JSONL file per process incarnation. Lines are
 * written synchronously, so a SIGKILL loses at most the line being written (a torn last
 * line is skipped on reading); no fsync, since the tests kill processes, not the machine.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One fact a process observed. `p` is its pid, `w` its incarnation tag, `t` epoch ms. */
export type LedgerEntry =
  | { e: "enq"; id: string; p: number; w: string; t: number }
  | { e: "claim"; id: string; tok: string; att: number; p: number; w: string; t: number }
  | { e: "start"; id: string; tok: string; p: number; w: string; t: number }
  | { e: "finish"; id: string; tok: string; p: number; w: string; t: number }
  | {
      e: "settle";
      id: string;
      tok: string;
      kind: string;
      ok: boolean;
      p: number;
      w: string;
      t: number;
    }
  | { e: "lost"; id: string; tok: string; p: number; w: string; t: number }
  | { e: "fault"; kind: FaultKind; target: string; p: number; w: string; t: number };

/** What the parent did to a process or a store. `target` is a worker tag or a store name. */
export type FaultKind = "kill" | "stop" | "cont" | "store-down" | "store-up";

type WithoutIdentity<T> = T extends unknown ? Omit<T, "p" | "w" | "t"> : never;

/**
 * Real time, immune to the clock-skew preload (which fakes only `Date`), so ledgers of
 * skewed and unskewed processes line up.
 */
export function wallClock(): number {
  return Math.round(performance.timeOrigin + performance.now());
}

/** Appends entries for one process incarnation to `<dir>/<tag>.jsonl`. */
export class LedgerWriter {
  private readonly file: string;

  constructor(
    dir: string,
    readonly tag: string,
  ) {
    this.file = join(dir, `${tag}.jsonl`);
  }

  write(entry: WithoutIdentity<LedgerEntry>): void {
    const line = JSON.stringify({ ...entry, p: process.pid, w: this.tag, t: wallClock() });
    appendFileSync(this.file, `${line}\n`);
  }
}

/** Reads every ledger in `dir`; a torn last line (the writer was killed mid-write) is skipped. */
export function readLedgers(dir: string): LedgerEntry[] {
  if (!existsSync(dir)) return [];
  const entries: LedgerEntry[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".jsonl"))) {
    const text = readFileSync(join(dir, name), "utf8");
    for (const line of text.slice(0, text.lastIndexOf("\n") + 1).split("\n")) {
      if (line) entries.push(JSON.parse(line) as LedgerEntry);
    }
  }
  return entries;
}
