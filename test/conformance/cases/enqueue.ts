import type { ConformanceCases } from "../context.ts";

export const enqueueCases: ConformanceCases = () => {};
