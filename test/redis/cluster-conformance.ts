/*
 * The whole conformance suite on a local three-master Redis Cluster that this file
 * starts and stops itself. Run with `npm run test:redis-cluster` (needs redis-server).
 */
import { after } from "node:test";

import { runConformance } from "../conformance/run-conformance.ts";
import { redisClusterHarness } from "../harness/redis-harness.ts";
import { startCluster } from "./redis-cluster.ts";

const cluster = startCluster(3);
cluster.catch(() => undefined);

runConformance(redisClusterHarness(async () => (await cluster).nodes));

after(async () => {
  await (await cluster.catch(() => null))?.stop();
});
