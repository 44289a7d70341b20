import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { Redis } from "ioredis";

import { RedisServer } from "./redis-servers.ts";

const run = promisify(execFile);

/** A local Redis Cluster of private masters, no replicas. */
export interface LocalCluster {
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

async function clusterIsOk(port: number): Promise<boolean> {
  const client = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    retryStrategy: () => null,
    disconnectTimeout: 50,
  });
  try {
    await client.connect();
    const info = (await client.call("CLUSTER", "INFO")) as string;
    return info.includes("cluster_state:ok") && info.includes("cluster_slots_ok:16384");
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts `size` redis-server processes with cluster mode on, joins them with
 * `redis-cli --cluster create`, and waits until every node reports cluster_state:ok.
 * On any failure the servers are stopped and their temp dirs removed.
 */
export async function startCluster(size = 3): Promise<LocalCluster> {
  const servers: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < size; i++) {
      servers.push(
        await RedisServer.start([
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-node-timeout",
          "5000",
          "--appendonly",
          "no",
        ]),
      );
    }
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    await run("redis-cli", [
      "--cluster",
      "create",
      ...addresses,
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    const deadline = Date.now() + 30_000;
    while (!(await Promise.all(servers.map((s) => clusterIsOk(s.port)))).every(Boolean)) {
      if (Date.now() > deadline) throw new Error("the local Redis Cluster never reached state ok");
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: servers.map((s) => ({ host: "127.0.0.1", port: s.port })), stop };
}
