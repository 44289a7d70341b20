import { readdirSync, readFileSync } from "node:fs";

/*
 * SQL and Lua files ship beside the code, addressed by their path below `src/stores/`.
 * The build copies those folders next to the bundle, so the same relative path resolves
 * from the sources (this file sits in src/stores/) and from `dist/` (bundled into its root).
 */

/** Reads a SQL or Lua file shipped with the stores, by its path below `src/stores/`. */
export function loadStoreFile(relativePath: string): string {
  return readFileSync(new URL(relativePath, import.meta.url), "utf8");
}

/** Lists a folder shipped with the stores, by its path below `src/stores/`. */
export function listStoreFiles(relativeDir: string): string[] {
  return readdirSync(
    new URL(relativeDir.endsWith("/") ? relativeDir : `${relativeDir}/`, import.meta.url),
  );
}
