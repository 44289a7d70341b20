/** The machine and the versions a run used, for the report. */
import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";

import type { BenchSystem } from "./adapters/types.ts";
import { withPg, withRedis } from "./server-admin.ts";

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: string;
  node: string;
  postgres: string;
  redis: string;
  commit: string;
  versions: { label: string; version: string }[];
}

async function attempt(fn: () => Promise<string>): Promise<string> {
  try {
    return await fn();
  } catch (error) {
    return `unavailable (${(error as Error).message})`;
  }
}

function gitCommit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" }).trim();
    return dirty === "" ? head : `${head} with uncommitted changes`;
  } catch {
    return "unknown";
  }
}

export async function describeMachine(systems: BenchSystem[]): Promise<MachineInfo> {
  const seen = new Set<string>();
  const versions: MachineInfo["versions"] = [];
  for (const system of systems) {
    const label = system.errand ? "Errand" : system.label;
    if (seen.has(label)) continue;
    seen.add(label);
    versions.push({ label, version: await attempt(async () => system.version()) });
  }
  return {
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
    node: process.version,
    postgres: await attempt(() =>
      withPg(async (c) => String((await c.query("SHOW server_version")).rows[0].server_version)),
    ),
    redis: await attempt(() =>
      withRedis(async (r) => /redis_version:(\S+)/.exec(await r.info("server"))?.[1] ?? "unknown"),
    ),
    commit: gitCommit(),
    versions,
  };
}
