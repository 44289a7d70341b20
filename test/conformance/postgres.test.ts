import { postgresHarness } from "../harness/postgres-harness.ts";
import { runConformance } from "./run-conformance.ts";

runConformance(postgresHarness());
