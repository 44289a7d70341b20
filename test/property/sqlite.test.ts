import { sqliteHarness } from "../harness/sqlite-harness.ts";
import { runProperty } from "./run-property.ts";

runProperty(sqliteHarness());
