import type { ConformanceCases } from "../context.ts";

export const workerCases: ConformanceCases = () => {};
