import type Database from "better-sqlite3";

import { listStoreFiles, loadStoreFile } from "../load-file.ts";

/** Migration files in order: `NNN-name.sql`, numbered from 001. */
export function migrationFiles(): { version: number; file: string }[] {
  return listStoreFiles("sqlite/migrations")
    .filter((file) => /^\d{3}-.+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 3)), file }));
}

/**
 * Applies the migrations this file has not seen. Each runs in its own IMMEDIATE
 * transaction that also re-reads the applied version, so processes that start at once
 * on the same file apply each migration exactly once.
 */
export function migrateSqlite(db: Database.Database): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS errand_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  const applied = db.prepare<[number], { n: number }>(
    "SELECT count(*) AS n FROM errand_migrations WHERE version = ?",
  );
  const record = db.prepare("INSERT INTO errand_migrations (version, applied_at) VALUES (?, ?)");
  for (const { version, file } of migrationFiles()) {
    const apply = db.transaction(() => {
      if ((applied.get(version)?.n ?? 0) > 0) return;
      db.exec(loadStoreFile(`sqlite/migrations/${file}`));
      record.run(version, Date.now());
    });
    apply.immediate();
  }
}
