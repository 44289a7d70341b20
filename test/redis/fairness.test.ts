/* The fairness end-to-end test (test/e2e/fairness-test.ts) on Redis. */
import { fairnessTest } from "../e2e/fairness-test.ts";
import { redisHarness } from "../harness/redis-harness.ts";

fairnessTest(redisHarness());
