/**
 * The report's layout version. `--format json` and the library's Report carry it as
 * `schemaVersion`, NDJSON in its first record; schema/report.schema.json describes it field by
 * field. Raised when a field is removed or changes meaning; new fields do not raise it.
 */
export const SCHEMA_VERSION = 1;
