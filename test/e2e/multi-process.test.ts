import { sqliteHarness } from "../harness/sqlite-harness.ts";
import { multiProcessTest } from "./multi-process-test.ts";

multiProcessTest(sqliteHarness());
