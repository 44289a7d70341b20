/* The cron end-to-end test (test/e2e/cron-test.ts) on Redis. */
import { cronTest } from "../e2e/cron-test.ts";
import { redisHarness } from "../harness/redis-harness.ts";

cronTest(redisHarness());
