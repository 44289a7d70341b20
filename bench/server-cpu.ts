/**
 * CPU seconds spent by the server during one run. PostgreSQL: the sum of user and system
 * time of every `postgres` process (from /proc/<pid>/stat), counting processes that
 * started during the run from zero and leaving out those that ended before its end
 * (their time is lost; our own connections stay open until after the end sample).
 * Redis: `INFO cpu` used_cpu_user + used_cpu_sys. SQLite runs inside Node: no server.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

import type { ServerKind } from "./adapters/types.ts";
import { withRedis } from "./server-admin.ts";

type Snapshot = Map<number, number> | number;

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  ticksPerSecond ??=
    Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return ticksPerSecond;
}

/** utime + stime in seconds of every process named `postgres`, by pid. */
function postgresTimes(): Map<number, number> {
  const times = new Map<number, number>();
  const hz = clockTicks();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // the process ended while we looked
    }
    const close = stat.lastIndexOf(")");
    if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
    // Fields after the command: state is field 3, utime 14 and stime 15 (1-based).
    const fields = stat.slice(close + 2).split(" ");
    times.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / hz);
  }
  return times;
}

async function redisTime(): Promise<number> {
  const info = await withRedis((redis) => redis.info("cpu"));
  const value = (name: string): number =>
    Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return value("used_cpu_user") + value("used_cpu_sys");
}

/** Starts measuring the server's CPU; the returned function gives the seconds used since. */
export async function measureServerCpu(server: ServerKind): Promise<() => Promise<number | null>> {
  if (server === "sqlite") return async () => null;
  const take = async (): Promise<Snapshot> =>
    server === "postgres" ? postgresTimes() : await redisTime();
  const start = await take();
  return async () => {
    const end = await take();
    if (typeof end === "number" || typeof start === "number") {
      return (end as number) - (start as number);
    }
    let total = 0;
    for (const [pid, seconds] of end) total += seconds - (start.get(pid) ?? 0);
    return total;
  };
}
