import { sqliteHarness } from "../harness/sqlite-harness.ts";
import { runConformance } from "./run-conformance.ts";

runConformance(sqliteHarness());
