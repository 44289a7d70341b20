import { postgresHarness } from "../harness/postgres-harness.ts";
import { fairnessTest } from "./fairness-test.ts";

fairnessTest(postgresHarness());
