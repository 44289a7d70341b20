import { sqliteHarness } from "../harness/sqlite-harness.ts";
import { cronTest } from "./cron-test.ts";

cronTest(sqliteHarness());
