import { cpSync } from "node:fs";

import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "node20",
  shims: true,
  // SQL and Lua live in their own files and are read at runtime relative to the
  // bundle, so they are copied next to it.
  onSuccess: async () => {
    cpSync("src/stores/sqlite/migrations", "dist/sqlite/migrations", { recursive: true });
    cpSync("src/stores/sqlite/queries", "dist/sqlite/queries", { recursive: true });
    cpSync("src/stores/postgres/migrations", "dist/postgres/migrations", { recursive: true });
    cpSync("src/stores/postgres/queries", "dist/postgres/queries", { recursive: true });
    cpSync("src/stores/redis/scripts", "dist/redis/scripts", { recursive: true });
  },
});
