import { sqliteHarness } from "../harness/sqlite-harness.ts";
import { fairnessTest } from "./fairness-test.ts";

fairnessTest(sqliteHarness());
