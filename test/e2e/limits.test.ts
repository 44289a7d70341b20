import { sqliteHarness } from "../harness/sqlite-harness.ts";
import { limitsTest } from "./limits-test.ts";

limitsTest(sqliteHarness());
