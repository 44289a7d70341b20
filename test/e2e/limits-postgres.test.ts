import { postgresHarness } from "../harness/postgres-harness.ts";
import { limitsTest } from "./limits-test.ts";

limitsTest(postgresHarness());
