import { ValidationError } from "../errors.ts";

/** The default cap on an encoded payload: 512 KiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024;

/**
 * The deepest nesting of objects and arrays a payload may have. Checking, encoding and
 * decoding recurse once per level; a payload some thousands of levels deep would
 * overflow the stack with an untyped RangeError, here or in the process that reads it.
 */
export const MAX_PAYLOAD_DEPTH = 100;

type Path = (string | number)[];

function describe(path: Path): string {
  return path.length === 0 ? "the payload" : `payload.${path.join(".")}`;
}

function fail(path: Path, message: string): never {
  throw new ValidationError(`${describe(path)} ${message}`, [{ message, path: [...path] }]);
}

function checkObject(value: object, path: Path, seen: Set<object>): void {
  if (path.length >= MAX_PAYLOAD_DEPTH) {
    const message = `nests objects and arrays deeper than ${MAX_PAYLOAD_DEPTH} levels.`;
    throw new ValidationError(`the payload ${message}`, [{ message, path: [...path] }]);
  }
  if (seen.has(value)) fail(path, "refers to itself; payloads must be plain JSON trees.");
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (item === undefined) fail([...path, index], "is undefined; use null in arrays.");
      checkValue(item, [...path, index], seen);
    });
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
      fail(
        path,
        `is a ${kind}; payloads hold only plain objects, arrays, strings, numbers, booleans and null (convert it, e.g. a Date to an ISO string).`,
      );
    }
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (key === "__proto__" || (key === "prototype" && path[path.length - 1] === "constructor")) {
        fail(
          [...path, key],
          `uses the key "${key}", which is refused to rule out prototype pollution.`,
        );
      }
      if (item !== undefined) checkValue(item, [...path, key], seen);
    }
  }
  seen.delete(value);
}

function checkValue(value: unknown, path: Path, seen: Set<object>): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) fail(path, `is ${String(value)}, which JSON cannot hold.`);
      return;
    case "object":
      if (value !== null) checkObject(value, path, seen);
      return;
    default:
      fail(path, `is a ${typeof value}, which JSON cannot hold.`);
  }
}

/**
 * Checks that `value` is a plain JSON tree and encodes it, refusing anything that would
 * not come back the same from `JSON.parse`, keys that could pollute prototypes, and
 * encodings larger than `maxBytes`.
 */
export function encodePayload(value: unknown, maxBytes: number): string {
  if (value === undefined) fail([], "is undefined; pass null or an object.");
  checkValue(value, [], new Set());
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) {
    fail(
      [],
      `is ${bytes} bytes encoded, over the limit of ${maxBytes}; store large data elsewhere and pass a reference, or raise maxPayloadBytes.`,
    );
  }
  return text;
}

/** Checks a handler's return value and encodes it; `undefined` becomes null. */
export function encodeResult(value: unknown, maxBytes: number): string {
  if (value === undefined) return "null";
  try {
    return encodePayload(value, maxBytes);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(
        `The handler's result is not storable: ${error.message.replace(/^the payload/, "it")}`,
        error.issues,
      );
    }
    throw error;
  }
}

/** Parses stored JSON, dropping any `__proto__` key so decoding never touches a prototype. */
export function decodeJson(text: string | null): unknown {
  if (text === null) return null;
  // A reviver makes parsing several times slower, and every job's payload passes here. A
  // text can only hold a `__proto__` key spelled out or behind a \u escape, so one without
  // either parses as it is.
  if (!text.includes("__proto__") && !text.includes("\\u")) return JSON.parse(text) as unknown;
  return JSON.parse(text, dropProto);
}

function dropProto(key: string, value: unknown): unknown {
  return key === "__proto__" ? undefined : value;
}
