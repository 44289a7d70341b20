import type { ConformanceCases } from "../context.ts";

export const eventsCases: ConformanceCases = () => {};
