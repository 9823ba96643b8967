/**
 * "Oldest first" as the ports promise it: by createdAt, ties broken by id compared as a Snowflake
 * (a shorter decimal string is a smaller number). SQLite sorts the same way in SQL
 * (`ORDER BY created_at, length(id), id`); MongoDB cannot compare decimal strings numerically
 * without a collation that would stop its indexes being used, so its adapter sorts with this.
 */
export function byCreation(
  a: { createdAt: number; id: string },
  b: { createdAt: number; id: string },
): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  if (a.id.length !== b.id.length) return a.id.length - b.id.length;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
