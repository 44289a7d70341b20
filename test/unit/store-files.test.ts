import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { QUERY_NAMES } from "../../src/stores/sqlite/statements.ts";

const storesDir = fileURLToPath(new URL("../../src/stores/", import.meta.url));

/** Store folders with SQL or Lua files: sqlite/queries, postgres/queries, redis/scripts ... */
function fileFolders(): { store: string; dir: string; ext: string }[] {
  return readdirSync(storesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      [
        { sub: "queries", ext: ".sql" },
        { sub: "scripts", ext: ".lua" },
      ]
        .map(({ sub, ext }) => ({ store: d.name, dir: join(storesDir, d.name, sub), ext }))
        .filter((f) => existsSync(f.dir)),
    );
}

function sourcesOf(store: string): string {
  const dir = join(storesDir, store);
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n");
}

describe("SQL and Lua files", () => {
  it("the SQLite store prepares exactly the query files it ships", () => {
    const files = readdirSync(join(storesDir, "sqlite", "queries")).map((f) =>
      f.replace(/\.sql$/, ""),
    );
    assert.deepEqual([...QUERY_NAMES].sort(), files.sort());
  });

  for (const { store, dir, ext } of fileFolders()) {
    it(`every ${ext} file of the ${store} store is referenced by its code and opens with a header`, () => {
      const sources = sourcesOf(store);
      for (const file of readdirSync(dir).filter((f) => f.endsWith(ext))) {
        const name = file.slice(0, -ext.length);
        assert.ok(
          sources.includes(`"${name}"`) || sources.includes(file),
          `${store}: ${file} is never referenced`,
        );
        const first = readFileSync(join(dir, file), "utf8").trimStart();
        assert.ok(first.startsWith("--"), `${store}: ${file} does not open with a comment header`);
      }
    });
  }
});
