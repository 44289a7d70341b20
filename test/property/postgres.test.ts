import { postgresHarness } from "../harness/postgres-harness.ts";
import { runProperty } from "./run-property.ts";

runProperty(postgresHarness());
