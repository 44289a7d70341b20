import { sqliteHarness } from "../harness/sqlite-harness.ts";
import { crashTest } from "./crash-test.ts";

crashTest(sqliteHarness());
