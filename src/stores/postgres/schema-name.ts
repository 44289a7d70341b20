import { ConfigError } from "../../errors.ts";

/** The default schema of the PostgreSQL store. */
export const DEFAULT_SCHEMA = "errand";

/*
 * Schema names are checked against a plain identifier pattern before they are ever
 * quoted into SQL. 48 characters leave room for the NOTIFY channel's prefix within
 * PostgreSQL's 63-byte limit on names. This file imports nothing from pg, so parsing a
 * store URL does not load the driver.
 */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/** Checks a schema name; throws ConfigError saying what is accepted. */
export function checkSchemaName(schema: unknown): string {
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new ConfigError(
      `The PostgreSQL schema name ${JSON.stringify(schema)} is not accepted: use 1 to 48 letters, digits and underscores, not starting with a digit (default "${DEFAULT_SCHEMA}").`,
    );
  }
  return schema;
}
