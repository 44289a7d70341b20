import { redisHarness } from "../harness/redis-harness.ts";
import { runProperty } from "./run-property.ts";

runProperty(redisHarness());
