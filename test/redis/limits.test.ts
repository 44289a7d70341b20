/* The limits end-to-end test (test/e2e/limits-test.ts) on Redis. */
import { limitsTest } from "../e2e/limits-test.ts";
import { redisHarness } from "../harness/redis-harness.ts";

limitsTest(redisHarness());
