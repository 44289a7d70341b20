import { crashTest } from "../e2e/crash-test.ts";
import { postgresHarness } from "../harness/postgres-harness.ts";

crashTest(postgresHarness());
