import type { ConformanceCases } from "../context.ts";

export const claimCases: ConformanceCases = () => {};
