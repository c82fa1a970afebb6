import { validation } from "../../../errors";

/** The shared behaviour of ListModels, ListEndpointConfigs and ListEndpoints: filter, sort, page. */
export interface ListQuery {
  NameContains?: string;
  CreationTimeBefore?: number;
  CreationTimeAfter?: number;
  SortBy?: string;
  SortOrder?: string;
  MaxResults?: number;
  NextToken?: string;
}

export interface Listable {
  name: string;
  creationTime: number;
}

const DEFAULT_PAGE = 10;

/** awsJson sends timestamps as epoch seconds (a number); accept ISO strings too, as some clients send them. */
export function timestampMs(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return value * 1000;
  const parsed = Date.parse(String(value));
  if (Number.isNaN(parsed)) throw validation(`"${String(value)}" is not a timestamp.`);
  return parsed;
}

export function listPage<T extends Listable>(
  items: T[],
  input: Record<string, unknown>,
  sortKeys: Record<string, (item: T) => string | number>,
): { page: T[]; NextToken?: string } {
  const contains = typeof input.NameContains === "string" ? input.NameContains.toLowerCase() : undefined;
  const before = timestampMs(input.CreationTimeBefore);
  const after = timestampMs(input.CreationTimeAfter);
  const filtered = items.filter(
    (item) =>
      (contains === undefined || item.name.toLowerCase().includes(contains)) &&
      (before === undefined || item.creationTime < before) &&
      (after === undefined || item.creationTime > after),
  );
  const sortBy = typeof input.SortBy === "string" ? input.SortBy : "CreationTime";
  const key = sortKeys[sortBy];
  if (!key) throw validation(`SortBy "${sortBy}" is not one of ${Object.keys(sortKeys).join(", ")}.`);
  const direction = input.SortOrder === "Ascending" ? 1 : -1;
  filtered.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name)) * direction;
  });
  const start = decodeToken(input.NextToken);
  const size = typeof input.MaxResults === "number" ? input.MaxResults : DEFAULT_PAGE;
  const page = filtered.slice(start, start + size);
  const next =
    start + size < filtered.length ? Buffer.from(String(start + size)).toString("base64") : undefined;
  return next ? { page, NextToken: next } : { page };
}

function decodeToken(token: unknown): number {
  if (token === undefined || token === null || token === "") return 0;
  const offset = Number(Buffer.from(String(token), "base64").toString("utf8"));
  if (!Number.isInteger(offset) || offset < 0)
    throw validation(`NextToken "${String(token)}" is not one this server gave out.`);
  return offset;
}
