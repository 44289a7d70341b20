/*
 * The one check every name and key goes through before a store sees it. PostgreSQL
 * refuses NUL in text with an untyped driver error, SQLite stores it (and a lone
 * surrogate) as given, and Redis keys built from such names cannot be read back the same
 * through UTF-8; refusing them here keeps every store's behaviour the same.
 */

/** Why `value` cannot be a queue, task or schedule name, dedup key or group; null when it can. */
export function identifierProblem(value: string): string | null {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code === 0) return `contains a NUL character at index ${i}`;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return `contains a lone surrogate at index ${i}`;
      i += 1;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return `contains a lone surrogate at index ${i}`;
    }
  }
  return null;
}

/** True when `value` is a string every store keeps and gives back unchanged. */
export function isStorableIdentifier(value: string): boolean {
  return identifierProblem(value) === null;
}
