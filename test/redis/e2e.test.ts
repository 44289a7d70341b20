/* The multi-process end-to-end tests, on Redis: child worker processes open the store by URL. */
import { crashTest } from "../e2e/crash-test.ts";
import { multiProcessTest } from "../e2e/multi-process-test.ts";
import { redisHarness } from "../harness/redis-harness.ts";

crashTest(redisHarness());
multiProcessTest(redisHarness());
