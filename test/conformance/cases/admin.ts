import type { ConformanceCases } from "../context.ts";

export const adminCases: ConformanceCases = () => {};
