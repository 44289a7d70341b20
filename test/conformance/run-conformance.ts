import { describe } from "node:test";

import type { StoreHarness } from "../harness/store-harness.ts";
import { ALL_CASES } from "./cases/index.ts";
import { useConformanceContext } from "./context.ts";

/** Runs the whole conformance suite against one kind of store. */
export function runConformance(harness: StoreHarness): void {
  describe(`conformance on ${harness.name}`, () => {
    const ctx = useConformanceContext(harness);
    for (const cases of ALL_CASES) cases(ctx);
  });
}
