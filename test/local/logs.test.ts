import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudWatchLogsClient,
  CloudWatchLogsServiceException,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { LogsService } from "../../src/local/services/logs/service";
import { clientConfig } from "../support/local-clients";
import { signedRequest } from "../support/signed-request";

const GROUP = "/aws/sagemaker/TrainingJobs";
let stateDir: string;
let server: LocalServer;
let logs: CloudWatchLogsClient;

async function failure(promise: Promise<unknown>): Promise<CloudWatchLogsServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CloudWatchLogsServiceException) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** Calls the API without the SDK, to see the raw JSON the server writes. */
async function raw(
  operation: string,
  input: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await signedRequest(server.url, {
    service: "logs",
    path: "/",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `Logs_20140328.${operation}` },
    body: JSON.stringify(input),
    credentials: clientConfig(server).credentials,
  });
  return { status: response.status, body: JSON.parse(response.text) as Record<string, unknown> };
}

type SmithyShape = {
  type: string;
  members?: Record<string, { target: string }>;
  member?: { target: string };
};

/** Every member the server answers must exist in the operation's Smithy output shape (recursively). */
function checkAgainstSmithy(operation: string, value: unknown): void {
  const model = JSON.parse(
    readFileSync("/work/shared/specs/aws/cloudwatch-logs-2014-03-28.json", "utf8"),
  ) as {
    shapes: Record<string, SmithyShape & { output?: { target: string } }>;
  };
  const output = model.shapes[`com.amazonaws.cloudwatchlogs#${operation}`]?.output?.target as string;
  const visit = (target: string, node: unknown, path: string): void => {
    const shape = model.shapes[target];
    if (!shape) return; // a prelude type (string, long, ...)
    if (shape.type === "structure") {
      for (const [name, child] of Object.entries(node as Record<string, unknown>)) {
        const member = shape.members?.[name];
        expect(member, `${path}.${name} is not a member of ${target}`).toBeDefined();
        if (member) visit(member.target, child, `${path}.${name}`);
      }
    } else if (shape.type === "list" && shape.member) {
      for (const [index, child] of (node as unknown[]).entries())
        visit(shape.member.target, child, `${path}[${index}]`);
    }
  };
  visit(output, value, operation);
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "local-logs-"));
  server = await startLocalServer({ port: 0, stateDir });
  logs = new CloudWatchLogsClient(clientConfig(server));
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  const base = Date.now() - 60_000;
  for (const [stream, offset] of [
    ["job-a/algo-1-1", 0],
    ["job-b/algo-1-1", 500],
  ] as const) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: stream,
        logEvents: Array.from({ length: 5 }, (_, i) => ({
          timestamp: base + offset + i * 1000,
          message: `${stream} epoch ${i} loss=0.${9 - i}`,
        })),
      }),
    );
  }
});

afterAll(async () => {
  logs?.destroy();
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("CloudWatch Logs API", () => {
  it("describes groups and streams, ordered and paged", async () => {
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/sagemaker" }));
    expect(groups.logGroups?.map((group) => group.logGroupName)).toEqual([GROUP]);
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }));
    expect(streams.logStreams?.map((stream) => stream.logStreamName)).toEqual([
      "job-a/algo-1-1",
      "job-b/algo-1-1",
    ]);
    const stream = streams.logStreams?.[0];
    expect(stream?.firstEventTimestamp).toBeLessThan(stream?.lastEventTimestamp as number);
    expect(stream?.arn).toBe(
      `arn:aws:logs:ap-northeast-2:000000000000:log-group:${GROUP}:log-stream:job-a/algo-1-1`,
    );
    const latest = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: GROUP,
        orderBy: "LastEventTime",
        descending: true,
        limit: 1,
      }),
    );
    expect(latest.logStreams?.map((item) => item.logStreamName)).toEqual(["job-b/algo-1-1"]);
    expect(latest.nextToken).toBeTruthy();
    const rest = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: GROUP,
        orderBy: "LastEventTime",
        descending: true,
        limit: 1,
        nextToken: latest.nextToken,
      }),
    );
    expect(rest.logStreams?.map((item) => item.logStreamName)).toEqual(["job-a/algo-1-1"]);
    expect(rest.nextToken).toBeUndefined();
    const prefixed = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "job-b" }),
    );
    expect(prefixed.logStreams).toHaveLength(1);
    checkAgainstSmithy("DescribeLogStreams", (await raw("DescribeLogStreams", { logGroupName: GROUP })).body);
    checkAgainstSmithy("DescribeLogGroups", (await raw("DescribeLogGroups", {})).body);
  });

  it("reads a stream forward from the head with tokens that repeat once caught up", async () => {
    const read = (nextToken?: string) =>
      logs.send(
        new GetLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: "job-a/algo-1-1",
          startFromHead: true,
          limit: 2,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
    const messages: string[] = [];
    let page = await read();
    let token: string | undefined;
    for (let i = 0; i < 10 && page.nextForwardToken !== token; i++) {
      messages.push(...(page.events ?? []).map((event) => event.message as string));
      token = page.nextForwardToken;
      page = await read(token);
    }
    expect(messages).toEqual(
      Array.from({ length: 5 }, (_, i) => `job-a/algo-1-1 epoch ${i} loss=0.${9 - i}`),
    );
    expect(page.events).toEqual([]);
    expect(page.nextForwardToken).toBe(token);
    // New events appear behind the same token: how a client tails a running job.
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: "job-a/algo-1-1",
        logEvents: [{ timestamp: Date.now(), message: "late line" }],
      }),
    );
    const tail = await read(token);
    expect(tail.events?.map((event) => event.message)).toEqual(["late line"]);
    expect(tail.events?.[0]?.ingestionTime).toBeGreaterThan(0);
    checkAgainstSmithy(
      "GetLogEvents",
      (await raw("GetLogEvents", { logGroupName: GROUP, logStreamName: "job-a/algo-1-1" })).body,
    );
  });

  it("reads the newest events by default and pages backward", async () => {
    const newest = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "job-b/algo-1-1", limit: 2 }),
    );
    expect(newest.events?.map((event) => event.message)).toEqual([
      "job-b/algo-1-1 epoch 3 loss=0.6",
      "job-b/algo-1-1 epoch 4 loss=0.5",
    ]);
    const older = await logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: "job-b/algo-1-1",
        limit: 2,
        nextToken: newest.nextBackwardToken,
      }),
    );
    expect(older.events?.map((event) => event.message)).toEqual([
      "job-b/algo-1-1 epoch 1 loss=0.8",
      "job-b/algo-1-1 epoch 2 loss=0.7",
    ]);
    const bad = await failure(
      logs.send(
        new GetLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: "job-b/algo-1-1",
          nextToken: "garbage",
        }),
      ),
    );
    expect(bad.name).toBe("InvalidParameterException");
  });

  it("filters across streams by names, pattern and time, in timestamp order, with paging", async () => {
    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "epoch" }));
    const times = all.events?.map((event) => event.timestamp as number) ?? [];
    expect(times).toHaveLength(10);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(all.events?.[0]?.logStreamName).toBe("job-a/algo-1-1");
    expect(all.events?.[0]?.eventId).toBeTruthy();
    const one = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: GROUP,
        logStreamNames: ["job-b/algo-1-1"],
        filterPattern: '"epoch 2"',
      }),
    );
    expect(one.events?.map((event) => event.message)).toEqual(["job-b/algo-1-1 epoch 2 loss=0.7"]);
    const window = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, startTime: times[2], endTime: times[4] }),
    );
    expect(window.events).toHaveLength(3);
    const excluded = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "epoch -job-a" }),
    );
    expect(excluded.events?.every((event) => event.logStreamName === "job-b/algo-1-1")).toBe(true);
    const paged: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: GROUP,
          filterPattern: "epoch",
          limit: 3,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      paged.push(...(page.events ?? []).map((event) => event.message as string));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged).toEqual(all.events?.map((event) => event.message));
    checkAgainstSmithy(
      "FilterLogEvents",
      (await raw("FilterLogEvents", { logGroupName: GROUP, limit: 2 })).body,
    );
  });

  it("answers a missing group or stream with ResourceNotFoundException and a duplicate with ResourceAlreadyExistsException", async () => {
    const noGroup = await failure(
      logs.send(new GetLogEventsCommand({ logGroupName: "/nope", logStreamName: "x" })),
    );
    expect(noGroup.name).toBe("ResourceNotFoundException");
    expect(noGroup.$metadata.httpStatusCode).toBe(400);
    const noStream = await failure(
      logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "missing" })),
    );
    expect(noStream.name).toBe("ResourceNotFoundException");
    expect((await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: "/nope" })))).name).toBe(
      "ResourceNotFoundException",
    );
    expect((await failure(logs.send(new FilterLogEventsCommand({ logGroupName: "/nope" })))).name).toBe(
      "ResourceNotFoundException",
    );
    expect((await failure(logs.send(new CreateLogGroupCommand({ logGroupName: GROUP })))).name).toBe(
      "ResourceAlreadyExistsException",
    );
    const unknown = await raw("TailEverything", {});
    expect(unknown.status).toBe(400);
    expect(unknown.body.__type).toBe("UnknownOperationException");
  });

  it("deletes a log group", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/tmp/deleteme" }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: "/tmp/deleteme" }));
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/tmp/" }));
    expect(groups.logGroups).toEqual([]);
  });
});

describe("LogsService (what training and hosting call)", () => {
  it("creates streams idempotently, appends lines durably, and survives a torn last line", () => {
    const dir = mkdtempSync(join(tmpdir(), "local-logs-service-"));
    try {
      const service = new LogsService(dir, "ap-northeast-2", "000000000000");
      service.ensureLogStream("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-1");
      service.ensureLogStream("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-1");
      service.putLogLines("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-1", ["starting", "ready"], 1_000);
      service.putLogLines("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-2", ["auto-created"]);
      expect(service.readLogLines("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-1")).toEqual([
        "starting",
        "ready",
      ]);
      expect(service.logStreamArn("/g", "s")).toBe(
        "arn:aws:logs:ap-northeast-2:000000000000:log-group:/g:log-stream:s",
      );
      // Simulate a crash in the middle of an append.
      const [groupFolder] = readdirSync(dir);
      const groupDir = join(dir, groupFolder as string);
      for (const name of readdirSync(groupDir).filter((file) => file.endsWith(".events.jsonl"))) {
        appendFileSync(join(groupDir, name), '{"timestamp":5,"mess');
      }
      const reopened = new LogsService(dir, "ap-northeast-2", "000000000000");
      const lines = [
        ...reopened.readLogLines("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-1"),
        ...reopened.readLogLines("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-2"),
      ];
      expect(lines.sort()).toEqual(["auto-created", "ready", "starting"]);
      reopened.putLogLines("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-1", ["after restart"], 2_000);
      const again = new LogsService(dir, "ap-northeast-2", "000000000000");
      expect(again.readLogLines("/aws/sagemaker/Endpoints/ep", "AllTraffic/i-1")).toEqual([
        "starting",
        "ready",
        "after restart",
      ]);
      const described = again.describeLogStreams({ logGroupName: "/aws/sagemaker/Endpoints/ep" });
      expect(described.logStreams?.map((stream) => stream.logStreamName)).toEqual([
        "AllTraffic/i-1",
        "AllTraffic/i-2",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("describes and pages a stream with 200,000 events", () => {
    const dir = mkdtempSync(join(tmpdir(), "local-logs-service-"));
    try {
      const service = new LogsService(dir, "ap-northeast-2", "000000000000");
      const lines = Array.from({ length: 200_000 }, (_, i) => `step ${i}`);
      service.putLogLines("/big", "s", lines, 1_000);
      const [stream] = service.describeLogStreams({ logGroupName: "/big" }).logStreams ?? [];
      expect(stream?.lastEventTimestamp).toBe(1_000);
      const head = service.getLogEvents({ logGroupName: "/big", logStreamName: "s", startFromHead: true });
      expect(head.events).toHaveLength(10_000);
      const next = service.getLogEvents({
        logGroupName: "/big",
        logStreamName: "s",
        nextToken: head.nextForwardToken,
      });
      expect(next.events?.[0]?.message).toBe("step 10000");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects names that are not valid log group names", () => {
    const dir = mkdtempSync(join(tmpdir(), "local-logs-service-"));
    try {
      const service = new LogsService(dir, "ap-northeast-2", "000000000000");
      expect(() => service.ensureLogStream("bad name with spaces", "s")).toThrow(
        /log group name "bad name with spaces" is not valid/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
