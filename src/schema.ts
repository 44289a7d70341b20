import type { StandardSchemaV1 } from "@standard-schema/spec";

import { ValidationError, type ValidationIssue } from "./errors.ts";

/** Any Standard Schema: zod, valibot, arktype and others implement it. */
export type AnySchema = StandardSchemaV1;

function toIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  const path = issue.path?.map((segment) =>
    typeof segment === "object" && segment !== null
      ? (segment.key as string | number)
      : (segment as string | number),
  );
  return path && path.length > 0 ? { message: issue.message, path } : { message: issue.message };
}

/**
 * Validates `value` against a task's schema and returns the schema's output. Throws a
 * ValidationError that lists each issue with its path.
 */
export async function validateWithSchema(
  schema: AnySchema,
  value: unknown,
  task: string,
): Promise<unknown> {
  const result = await schema["~standard"].validate(value);
  if (result.issues === undefined) return result.value;
  const issues = result.issues.map(toIssue);
  const detail = issues
    .map((i) => (i.path ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
  throw new ValidationError(
    `The payload for task "${task}" does not match its schema: ${detail}`,
    issues,
  );
}

/** True when `value` looks like a Standard Schema. */
export function isStandardSchema(value: unknown): value is AnySchema {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { "~standard"?: { validate?: unknown } })["~standard"]?.validate === "function"
  );
}
