/* The multi-process end-to-end tests, on PostgreSQL; the issue asks for four worker processes on one queue. */
import { crashTest } from "../e2e/crash-test.ts";
import { multiProcessTest } from "../e2e/multi-process-test.ts";
import { postgresHarness } from "../harness/postgres-harness.ts";

crashTest(postgresHarness());
multiProcessTest(postgresHarness(), 4);
