import { postgresHarness } from "../harness/postgres-harness.ts";
import { cronTest } from "./cron-test.ts";

cronTest(postgresHarness());
