import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type {
  CreateLogGroupRequest,
  CreateLogStreamRequest,
  DeleteLogGroupRequest,
  DeleteLogStreamRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  DescribeLogStreamsRequest,
  DescribeLogStreamsResponse,
  FilteredLogEvent,
  FilterLogEventsRequest,
  FilterLogEventsResponse,
  GetLogEventsRequest,
  GetLogEventsResponse,
  LogStream,
  PutLogEventsRequest,
  PutLogEventsResponse,
} from "@aws-sdk/client-cloudwatch-logs";
import { AwsError } from "../../core/errors";
import { pageOf } from "../../core/listing";
import { readJsonFile, sweepTemporaries, writeFileAtomically } from "../../core/store";

/**
 * Local CloudWatch Logs: what training jobs and endpoint containers print, kept per log group and
 * stream so a client reads it with the same calls as on AWS. Events are appended to one JSON-lines file
 * per stream (a crash can tear at most the last line, which loading skips); folder and file names are
 * hashes of the group and stream names, so no name reaches outside `<stateDir>/logs`.
 */

interface StoredEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

interface StreamState {
  logStreamName: string;
  creationTime: number;
  /** Loaded on first use; appended to in memory and on disk together. */
  events?: StoredEvent[];
}

interface GroupState {
  logGroupName: string;
  creationTime: number;
  streams: Map<string, StreamState>;
}

const MAX_GET_EVENTS = 10_000;
const MAX_DESCRIBE = 50;

const hash = (name: string): string => createHash("sha256").update(name, "utf8").digest("hex").slice(0, 40);

const notFound = (what: string): AwsError =>
  new AwsError("ResourceNotFoundException", `The specified ${what} does not exist.`);

const invalid = (message: string): AwsError => new AwsError("InvalidParameterException", message);

const badToken = (token: string): AwsError =>
  invalid(`The specified nextToken "${token.slice(0, 100)}" is not valid.`);

export class LogsService {
  private readonly root: string;
  private readonly region: string;
  private readonly accountId: string;
  private readonly groups = new Map<string, GroupState>();

  /** `root` is the logs state folder itself (`<stateDir>/logs`). */
  constructor(root: string, region: string, accountId: string) {
    this.root = root;
    this.region = region;
    this.accountId = accountId;
    mkdirSync(root, { recursive: true });
    this.load();
  }

  // ---- what the other services call ----------------------------------------------------------------

  /** Idempotent: services write into groups they name themselves. */
  ensureLogGroup(group: string): void {
    if (this.groups.has(group)) return;
    this.checkName("log group", group, /^[.\-_/#A-Za-z0-9]{1,512}$/);
    const state: GroupState = { logGroupName: group, creationTime: Date.now(), streams: new Map() };
    mkdirSync(this.groupDir(group), { recursive: true });
    writeFileAtomically(
      join(this.groupDir(group), "group.json"),
      JSON.stringify({ logGroupName: group, creationTime: state.creationTime }),
    );
    this.groups.set(group, state);
  }

  /** Idempotent; creates the group as needed. */
  ensureLogStream(group: string, stream: string): void {
    this.ensureLogGroup(group);
    const state = this.groups.get(group) as GroupState;
    if (state.streams.has(stream)) return;
    this.checkName("log stream", stream, /^[^:*]{1,512}$/);
    const created: StreamState = { logStreamName: stream, creationTime: Date.now(), events: [] };
    writeFileAtomically(
      this.streamMetaPath(group, stream),
      JSON.stringify({ logStreamName: stream, creationTime: created.creationTime }),
    );
    state.streams.set(stream, created);
  }

  /** Appends one event per line; the stream (and group) are created when missing. */
  putLogLines(group: string, stream: string, lines: string[], timestamp?: number): void {
    this.appendEvents(
      group,
      stream,
      lines.map((message) => ({ timestamp: timestamp ?? Date.now(), message })),
    );
  }

  /** The messages of a stream in order; empty when the stream does not exist. */
  readLogLines(group: string, stream: string): string[] {
    const state = this.groups.get(group)?.streams.get(stream);
    return state ? this.events(group, state).map((event) => event.message) : [];
  }

  logGroupArn(group: string): string {
    return `arn:aws:logs:${this.region}:${this.accountId}:log-group:${group}`;
  }

  logStreamArn(group: string, stream: string): string {
    return `${this.logGroupArn(group)}:log-stream:${stream}`;
  }

  // ---- the CloudWatch Logs API ------------------------------------------------------------------

  createLogGroup(input: CreateLogGroupRequest): Record<string, never> {
    const group = input.logGroupName as string;
    if (this.groups.has(group)) {
      throw new AwsError("ResourceAlreadyExistsException", "The specified log group already exists");
    }
    this.ensureLogGroup(group);
    return {};
  }

  createLogStream(input: CreateLogStreamRequest): Record<string, never> {
    const group = input.logGroupName as string;
    const stream = input.logStreamName as string;
    if (this.group(group).streams.has(stream)) {
      throw new AwsError("ResourceAlreadyExistsException", "The specified log stream already exists");
    }
    this.ensureLogStream(group, stream);
    return {};
  }

  deleteLogGroup(input: DeleteLogGroupRequest): Record<string, never> {
    const group = input.logGroupName as string;
    if (!this.groups.delete(group)) throw notFound("log group");
    rmSync(this.groupDir(group), { recursive: true, force: true });
    return {};
  }

  deleteLogStream(input: DeleteLogStreamRequest): Record<string, never> {
    const group = input.logGroupName as string;
    const stream = input.logStreamName as string;
    const state = this.group(group);
    if (!state.streams.delete(stream)) throw notFound("log stream");
    rmSync(this.streamMetaPath(group, stream), { force: true });
    rmSync(this.eventsPath(group, stream), { force: true });
    return {};
  }

  putLogEvents(input: PutLogEventsRequest): PutLogEventsResponse {
    const group = this.groupName(input);
    const stream = required(input.logStreamName, "logStreamName");
    this.stream(group, stream); // AWS does not create streams on PutLogEvents
    const events = input.logEvents ?? [];
    if (events.length === 0) throw invalid("logEvents must contain at least one event.");
    this.appendEvents(
      group,
      stream,
      events.map((event) => ({ timestamp: Number(event.timestamp), message: String(event.message ?? "") })),
    );
    return {};
  }

  describeLogGroups(input: DescribeLogGroupsRequest): DescribeLogGroupsResponse {
    const prefix = input.logGroupNamePrefix ?? "";
    const names = [...this.groups.keys()].filter((name) => name.startsWith(prefix)).sort();
    const page = pageOf(names, input.nextToken, limitOf(input.limit, MAX_DESCRIBE, MAX_DESCRIBE), badToken);
    return {
      logGroups: page.page.map((name) => {
        const group = this.groups.get(name) as GroupState;
        return {
          logGroupName: name,
          creationTime: group.creationTime,
          arn: `${this.logGroupArn(name)}:*`,
          logGroupArn: this.logGroupArn(name),
          metricFilterCount: 0,
          storedBytes: this.storedBytes(group),
        };
      }),
      ...(page.NextToken ? { nextToken: page.NextToken } : {}),
    };
  }

  describeLogStreams(input: DescribeLogStreamsRequest): DescribeLogStreamsResponse {
    const groupName = this.groupName(input);
    const group = this.group(groupName);
    const byTime = input.orderBy === "LastEventTime";
    if (byTime && input.logStreamNamePrefix) {
      throw invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
    }
    const prefix = input.logStreamNamePrefix ?? "";
    const streams = [...group.streams.values()]
      .filter((stream) => stream.logStreamName.startsWith(prefix))
      .map((stream) => this.describeStream(groupName, stream));
    streams.sort((a, b) =>
      byTime
        ? (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) ||
          compare(a.logStreamName ?? "", b.logStreamName ?? "")
        : compare(a.logStreamName ?? "", b.logStreamName ?? ""),
    );
    if (input.descending) streams.reverse();
    const page = pageOf(streams, input.nextToken, limitOf(input.limit, MAX_DESCRIBE, MAX_DESCRIBE), badToken);
    return { logStreams: page.page, ...(page.NextToken ? { nextToken: page.NextToken } : {}) };
  }

  /**
   * Tokens are `f/<position>` and `b/<position>` in the stream's (time-filtered) event list: reading
   * forward from the end answers the same token again, which is how clients know they are caught up.
   */
  getLogEvents(input: GetLogEventsRequest): GetLogEventsResponse {
    const groupName = this.groupName(input);
    const state = this.stream(groupName, required(input.logStreamName, "logStreamName"));
    const events = this.events(groupName, state).filter((event) =>
      inTime(event, input.startTime, input.endTime),
    );
    const limit = limitOf(input.limit, MAX_GET_EVENTS, MAX_GET_EVENTS);
    let start: number;
    let end: number;
    if (input.nextToken) {
      const match = /^([fb])\/(\d+)$/.exec(input.nextToken);
      if (!match)
        throw invalid(`The specified nextToken "${input.nextToken}" is not valid for GetLogEvents.`);
      const position = Math.min(Number(match[2]), events.length);
      if (match[1] === "f") {
        start = position;
        end = Math.min(events.length, position + limit);
      } else {
        end = position;
        start = Math.max(0, position - limit);
      }
    } else if (input.startFromHead) {
      start = 0;
      end = Math.min(events.length, limit);
    } else {
      end = events.length;
      start = Math.max(0, end - limit);
    }
    return {
      events: events.slice(start, end).map((event) => ({ ...event })),
      nextForwardToken: `f/${end}`,
      nextBackwardToken: `b/${start}`,
    };
  }

  filterLogEvents(input: FilterLogEventsRequest): FilterLogEventsResponse {
    const groupName = this.groupName(input);
    const group = this.group(groupName);
    if (input.logStreamNames && input.logStreamNamePrefix) {
      throw invalid("logStreamNames and logStreamNamePrefix cannot both be specified.");
    }
    const names =
      input.logStreamNames ??
      [...group.streams.keys()].filter((name) => name.startsWith(input.logStreamNamePrefix ?? ""));
    const matches = compileFilterPattern(input.filterPattern);
    const found: { stream: string; position: number; event: StoredEvent }[] = [];
    for (const name of names) {
      const state = group.streams.get(name);
      if (!state) continue; // AWS ignores names of streams that do not exist
      this.events(groupName, state).forEach((event, position) => {
        if (inTime(event, input.startTime, input.endTime) && matches(event.message)) {
          found.push({ stream: name, position, event });
        }
      });
    }
    found.sort(
      (a, b) =>
        a.event.timestamp - b.event.timestamp || compare(a.stream, b.stream) || a.position - b.position,
    );
    let from = 0;
    if (input.nextToken) {
      const after = decodeFilterToken(input.nextToken);
      from = found.findIndex(
        (item) =>
          (item.event.timestamp - after.timestamp ||
            compare(item.stream, after.stream) ||
            item.position - after.position) > 0,
      );
      if (from < 0) from = found.length;
    }
    const limit = limitOf(input.limit, MAX_GET_EVENTS, MAX_GET_EVENTS);
    const page = found.slice(from, from + limit);
    const last = page.at(-1);
    const events: FilteredLogEvent[] = page.map((item) => ({
      logStreamName: item.stream,
      timestamp: item.event.timestamp,
      message: item.event.message,
      ingestionTime: item.event.ingestionTime,
      eventId: `${hash(item.stream).slice(0, 16)}${String(item.position).padStart(16, "0")}`,
    }));
    const more = from + limit < found.length && last !== undefined;
    return {
      events,
      searchedLogStreams: names
        .filter((name) => group.streams.has(name))
        .map((logStreamName) => ({ logStreamName, searchedCompletely: !more })),
      ...(more
        ? {
            nextToken: Buffer.from(
              JSON.stringify([last.event.timestamp, last.stream, last.position]),
            ).toString("base64url"),
          }
        : {}),
    };
  }

  // ---- internals ---------------------------------------------------------------------------------

  private load(): void {
    for (const dir of readdirSync(this.root)) {
      const folder = join(this.root, dir);
      sweepTemporaries(folder);
      const meta = readJsonFile<{ logGroupName: string; creationTime: number }>(
        join(folder, "group.json"),
        `the log group stored in ${folder} (its streams stay on disk but are not served)`,
        ["logGroupName", "creationTime"],
      );
      if (!meta) continue;
      const group: GroupState = { ...meta, streams: new Map() };
      for (const file of readdirSync(folder)) {
        if (!file.endsWith(".stream.json")) continue;
        const stream = readJsonFile<{ logStreamName: string; creationTime: number }>(
          join(folder, file),
          `a log stream of log group ${meta.logGroupName}`,
          ["logStreamName", "creationTime"],
        );
        if (stream) group.streams.set(stream.logStreamName, { ...stream });
      }
      this.groups.set(meta.logGroupName, group);
    }
  }

  private appendEvents(
    group: string,
    stream: string,
    events: { timestamp: number; message: string }[],
  ): void {
    if (events.length === 0) return;
    this.ensureLogStream(group, stream);
    const state = (this.groups.get(group) as GroupState).streams.get(stream) as StreamState;
    const list = this.events(group, state);
    const ingestionTime = Date.now();
    const stored = events.map((event) => ({
      timestamp: event.timestamp,
      message: event.message,
      ingestionTime,
    }));
    appendFileSync(
      this.eventsPath(group, stream),
      `${stored.map((event) => JSON.stringify(event)).join("\n")}\n`,
    );
    for (const event of stored) {
      // Kept in timestamp order (as CloudWatch returns them); appends are almost always already in order.
      let at = list.length;
      while (at > 0 && (list[at - 1] as StoredEvent).timestamp > event.timestamp) at--;
      list.splice(at, 0, event);
    }
  }

  private events(group: string, state: StreamState): StoredEvent[] {
    if (!state.events) {
      const path = this.eventsPath(group, state.logStreamName);
      const events: StoredEvent[] = [];
      if (existsSync(path)) {
        const text = readFileSync(path, "utf8");
        for (const line of text.split("\n")) {
          if (!line) continue;
          try {
            events.push(JSON.parse(line) as StoredEvent);
          } catch {
            // a line torn by a crash mid-append: skip it
          }
        }
        // A torn last line must not swallow the next append.
        if (text.length > 0 && !text.endsWith("\n")) appendFileSync(path, "\n");
      }
      events.sort((a, b) => a.timestamp - b.timestamp);
      state.events = events;
    }
    return state.events;
  }

  private describeStream(group: string, state: StreamState): LogStream {
    const events = this.events(group, state);
    const first = events[0];
    const last = events.at(-1);
    return {
      logStreamName: state.logStreamName,
      creationTime: state.creationTime,
      arn: this.logStreamArn(group, state.logStreamName),
      storedBytes: 0,
      ...(first && last
        ? {
            firstEventTimestamp: first.timestamp,
            lastEventTimestamp: last.timestamp,
            lastIngestionTime: events.reduce((latest, event) => Math.max(latest, event.ingestionTime), 0),
          }
        : {}),
    };
  }

  private storedBytes(group: GroupState): number {
    let total = 0;
    for (const stream of group.streams.values()) {
      for (const event of this.events(group.logGroupName, stream)) total += Buffer.byteLength(event.message);
    }
    return total;
  }

  private group(name: string): GroupState {
    const group = this.groups.get(name);
    if (!group) throw notFound("log group");
    return group;
  }

  private stream(group: string, stream: string): StreamState {
    const state = this.group(group).streams.get(stream);
    if (!state) throw notFound("log stream");
    return state;
  }

  /** Accepts `logGroupName` or `logGroupIdentifier` (a name or an ARN), as the API does. */
  private groupName(input: {
    logGroupName?: string | undefined;
    logGroupIdentifier?: string | undefined;
  }): string {
    if (input.logGroupName && input.logGroupIdentifier) {
      throw invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    }
    const identifier = input.logGroupName ?? input.logGroupIdentifier;
    if (!identifier) throw invalid("Either logGroupName or logGroupIdentifier is required.");
    const arn = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(identifier);
    return arn ? (arn[1] as string) : identifier;
  }

  private checkName(kind: string, name: string, pattern: RegExp): void {
    if (!pattern.test(name)) {
      throw invalid(`The ${kind} name "${name}" is not valid: it must match ${pattern.source}.`);
    }
  }

  private groupDir(group: string): string {
    return join(this.root, hash(group));
  }

  private streamMetaPath(group: string, stream: string): string {
    return join(this.groupDir(group), `${hash(stream)}.stream.json`);
  }

  private eventsPath(group: string, stream: string): string {
    return join(this.groupDir(group), `${hash(stream)}.events.jsonl`);
  }
}

function required<T>(value: T | undefined | null, name: string): T {
  if (value === undefined || value === null || value === "") {
    throw invalid(`${name} is required.`);
  }
  return value;
}

function limitOf(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`limit ${value} is out of range: use an integer from 1 to ${max}.`);
  }
  return value;
}

function inTime(event: StoredEvent, startTime?: number, endTime?: number): boolean {
  return (
    (startTime === undefined || event.timestamp >= startTime) &&
    (endTime === undefined || event.timestamp <= endTime)
  );
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function decodeFilterToken(token: string): { timestamp: number; stream: string; position: number } {
  try {
    const [timestamp, stream, position] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as [
      number,
      string,
      number,
    ];
    if (typeof timestamp === "number" && typeof stream === "string" && typeof position === "number") {
      return { timestamp, stream, position };
    }
  } catch {
    // falls through to the error below
  }
  throw invalid(`The specified nextToken "${token}" is not valid for FilterLogEvents.`);
}

/**
 * The term subset of CloudWatch filter patterns: `"exact phrase"`, terms that must all occur, `-term`
 * that must not, `?term` of which one must. JSON and space-delimited patterns are rejected clearly.
 */
export function compileFilterPattern(pattern: string | undefined): (message: string) => boolean {
  const text = (pattern ?? "").trim();
  if (text === "") return () => true;
  if (text.startsWith("{") || text.startsWith("[")) {
    throw invalid(`Local CloudWatch Logs supports term filter patterns only, not "${text}".`);
  }
  const terms = [...text.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)].map((match) => ({
    kind: match[1] ?? "",
    value: (match[2] ?? match[3] ?? "").replace(/\\(.)/g, "$1"),
  }));
  const all = terms.filter((term) => term.kind === "").map((term) => term.value);
  const none = terms.filter((term) => term.kind === "-").map((term) => term.value);
  const any = terms.filter((term) => term.kind === "?").map((term) => term.value);
  return (message) =>
    all.every((term) => message.includes(term)) &&
    !none.some((term) => message.includes(term)) &&
    (any.length === 0 || any.some((term) => message.includes(term)));
}
