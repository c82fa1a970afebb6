import { type AwsError, validation } from "./errors";

/**
 * The shared behaviour of every SageMaker List operation: the filters they have in common (NameContains,
 * CreationTime and LastModifiedTime windows, StatusEquals), SortBy/SortOrder, and paging with one token format.
 * A service says how its records look to a list (`ListView`) and gets the page back.
 */

/** The members List inputs share; the SDK input types are structurally compatible with it. */
export interface ListInput {
  NameContains?: string;
  CreationTimeBefore?: Date | number | string;
  CreationTimeAfter?: Date | number | string;
  LastModifiedTimeBefore?: Date | number | string;
  LastModifiedTimeAfter?: Date | number | string;
  StatusEquals?: string;
  SortBy?: string;
  SortOrder?: string;
  MaxResults?: number;
  NextToken?: string;
}

/** How one record looks to a list. */
export interface ListView {
  name: string;
  creationTime: number;
  lastModifiedTime?: number;
  status?: string;
}

type SortKey = (view: ListView) => string | number;

const SORT_KEYS: Readonly<Record<string, SortKey>> = {
  Name: (view) => view.name,
  CreationTime: (view) => view.creationTime,
  CreationTimestamp: (view) => view.creationTime,
  LastModifiedTime: (view) => view.lastModifiedTime ?? view.creationTime,
  Status: (view) => view.status ?? "",
};

export interface ListOptions {
  /** MaxResults when the request gives none (SageMaker's default is 10 for most lists). */
  defaultPageSize?: number;
}

/** awsJson sends timestamps as epoch seconds; the SDK types say Date; some clients send ISO text. */
export function timestampMs(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value * 1000;
  const parsed = Date.parse(String(value));
  if (Number.isNaN(parsed)) throw validation(`"${String(value)}" is not a timestamp.`);
  return parsed;
}

/** Filters, sorts and pages `items`. */
export function listPage<T>(
  items: readonly T[],
  input: ListInput,
  view: (item: T) => ListView,
  options: ListOptions = {},
): { page: T[]; NextToken?: string } {
  const contains = input.NameContains?.toLowerCase();
  const within = (time: number, after: unknown, before: unknown): boolean => {
    const from = timestampMs(after);
    const to = timestampMs(before);
    return (from === undefined || time > from) && (to === undefined || time < to);
  };
  const rows = items
    .map((item) => ({ item, view: view(item) }))
    .filter(
      ({ view: v }) =>
        (contains === undefined || v.name.toLowerCase().includes(contains)) &&
        (input.StatusEquals === undefined || v.status === input.StatusEquals) &&
        within(v.creationTime, input.CreationTimeAfter, input.CreationTimeBefore) &&
        within(
          v.lastModifiedTime ?? v.creationTime,
          input.LastModifiedTimeAfter,
          input.LastModifiedTimeBefore,
        ),
    );
  const sortBy = input.SortBy ?? "CreationTime";
  const key = SORT_KEYS[sortBy];
  if (!key) throw validation(`SortBy "${sortBy}" is not one of ${Object.keys(SORT_KEYS).join(", ")}.`);
  const direction = input.SortOrder === "Ascending" ? 1 : -1;
  rows.sort((a, b) => {
    const x = key(a.view);
    const y = key(b.view);
    const order = x < y ? -1 : x > y ? 1 : a.view.creationTime - b.view.creationTime;
    return (order || a.view.name.localeCompare(b.view.name)) * direction;
  });
  const { page, NextToken } = pageOf(
    rows,
    input.NextToken,
    input.MaxResults ?? options.defaultPageSize ?? 10,
  );
  return NextToken === undefined
    ? { page: page.map((row) => row.item) }
    : { page: page.map((row) => row.item), NextToken };
}

const TOKEN_PREFIX = "ls1:";

/** The one token format: the offset into the (filtered, sorted) list, wrapped so a stray string is refused. */
export function encodeToken(offset: number): string {
  return Buffer.from(`${TOKEN_PREFIX}${offset}`, "utf8").toString("base64url");
}

/** SageMaker's answer to a token it did not give out; other services pass their own. */
const invalidToken = (token: string): AwsError =>
  validation(
    `Invalid NextToken "${token.slice(0, 100)}": pass the NextToken of the previous answer of the same List call.`,
  );

/** The offset a token stands for; an error for a token this server did not give out. */
export function decodeToken(
  token: string | undefined,
  refuse: (token: string) => AwsError = invalidToken,
): number {
  if (token === undefined || token === "") return 0;
  const text = Buffer.from(token, "base64url").toString("utf8");
  const offset = text.startsWith(TOKEN_PREFIX) ? Number(text.slice(TOKEN_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset < 0 || encodeToken(offset) !== token) throw refuse(token);
  return offset;
}

/** One page of an already ordered list. */
export function pageOf<T>(
  items: readonly T[],
  token: string | undefined,
  size: number,
  refuse?: (token: string) => AwsError,
): { page: T[]; NextToken?: string } {
  const start = decodeToken(token, refuse);
  const page = items.slice(start, start + size);
  return start + size < items.length ? { page, NextToken: encodeToken(start + size) } : { page };
}
