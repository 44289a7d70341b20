import type { ConformanceCases } from "../context.ts";

export const retentionCases: ConformanceCases = () => {};
