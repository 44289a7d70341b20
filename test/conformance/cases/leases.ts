import type { ConformanceCases } from "../context.ts";

export const leasesCases: ConformanceCases = () => {};
