import { redisHarness } from "../harness/redis-harness.ts";
import { runConformance } from "./run-conformance.ts";

runConformance(redisHarness());
