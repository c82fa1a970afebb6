import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { cbor, tag } from "@smithy/core/cbor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig, credentialsEnvironment } from "../support/local-clients";
import { signedRequest } from "../support/signed-request";

/**
 * CloudWatch's three wire protocols reach the same service: awsQuery forms and RPC v2 CBOR bodies built by hand
 * (signed for `monitoring` as the SDKs sign), the JS SDK driven with each protocol, and boto3 with its default
 * JSON and, through a copy of its own model that names one protocol (AWS_DATA_PATH), query and CBOR.
 */

let stateDir: string;
let server: LocalServer;
const NOW = Date.now();
const minute = Math.floor((NOW - 5 * 60_000) / 60_000) * 60_000;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "cloudwatch-protocols-"));
  server = await startLocalServer({ port: 0, stateDir });
});

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

const query = (params: Record<string, string>) =>
  signedRequest(server.url, {
    service: "monitoring",
    path: "/",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: form({ Version: "2010-08-01", ...params }),
    credentials: clientConfig(server).credentials,
  });

/** The text of each `<name>` element, in document order. */
const elements = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, "g"))].map((match) => match[1] as string);

describe("awsQuery", () => {
  it("reads a form by the input shapes and answers XML written from the output shapes", async () => {
    const put = await query({
      Action: "PutMetricData",
      Namespace: "Query/Test",
      "MetricData.member.1.MetricName": "Latency",
      "MetricData.member.1.Dimensions.member.1.Name": "EndpointName",
      "MetricData.member.1.Dimensions.member.1.Value": "ep",
      "MetricData.member.1.Values.member.1": "10",
      "MetricData.member.1.Values.member.2": "20",
      "MetricData.member.1.Values.member.3": "30",
      "MetricData.member.1.Unit": "Milliseconds",
      "MetricData.member.1.Timestamp": new Date(minute + 5000).toISOString(),
    });
    expect(put.status).toBe(200);
    expect(put.headers["content-type"]).toBe("text/xml");
    expect(put.text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<PutMetricDataResponse xmlns="http:\/\/monitoring.amazonaws.com\/doc\/2010-08-01\/"><ResponseMetadata><RequestId>[0-9A-F]+<\/RequestId><\/ResponseMetadata><\/PutMetricDataResponse>$/,
    );
    const stats = await query({
      Action: "GetMetricStatistics",
      Namespace: "Query/Test",
      MetricName: "Latency",
      "Dimensions.member.1.Name": "EndpointName",
      "Dimensions.member.1.Value": "ep",
      StartTime: new Date(minute).toISOString(),
      EndTime: new Date(minute + 60_000).toISOString(),
      Period: "60",
      "Statistics.member.1": "Sum",
      "Statistics.member.2": "SampleCount",
      "ExtendedStatistics.member.1": "p50",
    });
    expect(stats.status).toBe(200);
    const result = /<GetMetricStatisticsResult>(.*)<\/GetMetricStatisticsResult>/.exec(stats.text)?.[1] ?? "";
    expect(result).toBe(
      `<Label>Latency</Label><Datapoints><member><Timestamp>${new Date(minute).toISOString()}</Timestamp><SampleCount>3</SampleCount><Sum>60</Sum><Unit>Milliseconds</Unit><ExtendedStatistics><entry><key>p50</key><value>20</value></entry></ExtendedStatistics></member></Datapoints>`,
    );
  });

  it("answers errors as ErrorResponse XML with the query codes, and empty lists as `Name=`", async () => {
    const missing = await query({
      Action: "SetAlarmState",
      AlarmName: "ghost",
      StateValue: "ALARM",
      StateReason: "x",
    });
    expect(missing.status).toBe(404);
    expect(elements(missing.text, "Type")).toEqual(["Sender"]);
    expect(elements(missing.text, "Code")).toEqual(["ResourceNotFound"]);
    expect(elements(missing.text, "Message")).toEqual(["Alarm ghost not found"]);
    expect(missing.text).toMatch(
      /<ErrorResponse xmlns="http:\/\/monitoring.amazonaws.com\/doc\/2010-08-01\/">/,
    );
    const required = await query({ Action: "GetMetricStatistics", MetricName: "x", Period: "60" });
    expect(elements(required.text, "Code")).toEqual(["MissingParameter"]);
    expect(elements(required.text, "Message")).toEqual([
      "The parameter Namespace is required.\nThe parameter StartTime is required.\nThe parameter EndTime is required.",
    ]);
    const number = await query({ Action: "ListMetrics", Namespace: "x", "Dimensions.member.1.Name": "" });
    expect(elements(number.text, "Code")).toEqual(["InvalidParameterValue"]);
    const unknown = await query({ Action: "PutDashboard" });
    expect(elements(unknown.text, "Code")).toEqual(["InvalidAction"]);
    expect(elements(unknown.text, "Message")).toEqual([
      "Local CloudWatch does not implement the action PutDashboard yet.",
    ]);
    const described = await query({ Action: "DescribeAlarms", AlarmNames: "" });
    expect(described.text).toContain(
      "<DescribeAlarmsResult><MetricAlarms></MetricAlarms></DescribeAlarmsResult>",
    );
  });
});

/** A raw RPC v2 CBOR call; the answer decoded. */
async function cborCall(
  operation: string,
  input: unknown,
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  const { SignatureV4 } = await import("@smithy/signature-v4");
  const { Sha256 } = await import("@smithy/core/checksum");
  const body = Buffer.from(cbor.serialize(input));
  const url = new URL(server.url);
  const path = `/service/GraniteServiceVersion20100801/operation/${operation}`;
  const signer = new SignatureV4({
    service: "monitoring",
    region: server.region,
    credentials: clientConfig(server).credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: {
      host: url.host,
      "content-type": "application/cbor",
      accept: "application/cbor",
      "smithy-protocol": "rpc-v2-cbor",
      "content-length": String(body.length),
    },
    body,
  });
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path,
        headers: signed.headers as Record<string, string>,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: cbor.deserialize(new Uint8Array(Buffer.concat(chunks))) as Record<string, unknown>,
          }),
        );
      },
    );
    call.on("error", reject);
    call.end(body);
  });
}

describe("Smithy RPC v2 CBOR", () => {
  it("reads CBOR with tag-1 timestamps and answers CBOR with the smithy-protocol header", async () => {
    const put = await cborCall("PutMetricData", {
      Namespace: "Cbor/Test",
      MetricData: [
        { MetricName: "M", Value: 2.5, Timestamp: tag({ tag: 1, value: (minute + 1000) / 1000 }) },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.headers["smithy-protocol"]).toBe("rpc-v2-cbor");
    expect(put.headers["content-type"]).toBe("application/cbor");
    const stats = await cborCall("GetMetricStatistics", {
      Namespace: "Cbor/Test",
      MetricName: "M",
      StartTime: tag({ tag: 1, value: minute / 1000 }),
      EndTime: tag({ tag: 1, value: (minute + 60_000) / 1000 }),
      Period: 60,
      Statistics: ["Maximum"],
    });
    expect(stats.body.Label).toBe("M");
    const [point] = stats.body.Datapoints as Record<string, unknown>[];
    expect(point?.Maximum).toBe(2.5);
    expect(point?.Timestamp).toMatchObject({ tag: 1, value: minute / 1000 });
  });

  it("answers errors with __type, the error's status and x-amzn-query-error", async () => {
    const missing = await cborCall("SetAlarmState", {
      AlarmName: "ghost",
      StateValue: "OK",
      StateReason: "x",
    });
    expect(missing.status).toBe(404);
    expect(missing.headers["x-amzn-query-error"]).toBe("ResourceNotFound;Sender");
    expect(missing.body).toEqual({ __type: "ResourceNotFound", message: "Alarm ghost not found" });
    const unknown = await cborCall("PutDashboard", {});
    expect(unknown.body.__type).toBe("UnknownOperationException");
  });
});

describe("the JS SDK over each protocol", () => {
  for (const [name, protocol] of [
    ["awsQuery", AwsQueryProtocol],
    ["RPC v2 CBOR", AwsSmithyRpcV2CborProtocol],
  ] as const) {
    it(`works end to end over ${name}, errors named as over JSON`, async () => {
      const cw = new CloudWatchClient({ ...clientConfig(server), protocol });
      const namespace = `Sdk/${name}`;
      await cw.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: [
            { MetricName: "M", Values: [1, 2, 3, 4], Timestamp: new Date(minute + 1000), Unit: "Count" },
          ],
        }),
      );
      const stats = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: namespace,
          MetricName: "M",
          StartTime: new Date(minute),
          EndTime: new Date(minute + 60_000),
          Period: 60,
          Statistics: ["Sum", "Average"],
          ExtendedStatistics: ["p75"],
        }),
      );
      expect(stats.Datapoints).toEqual([
        { Timestamp: new Date(minute), Sum: 10, Average: 2.5, Unit: "Count", ExtendedStatistics: { p75: 3 } },
      ]);
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: `alarm-${name}`,
          Namespace: namespace,
          MetricName: "M",
          Statistic: "Sum",
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanThreshold",
          Dimensions: [],
        }),
      );
      const alarms = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [`alarm-${name}`] }));
      expect(alarms.MetricAlarms?.[0]).toMatchObject({
        AlarmName: `alarm-${name}`,
        Threshold: 1,
        Period: 60,
      });
      expect(alarms.MetricAlarms?.[0]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
      const error = await cw
        .send(new SetAlarmStateCommand({ AlarmName: "ghost", StateValue: "OK", StateReason: "x" }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ResourceNotFound);
      expect((error as { Code?: string }).Code).toBe("ResourceNotFound");
    });
  }
});

/** boto3 with `protocol` forced through a copy of botocore's CloudWatch model, or its default (JSON). */
async function boto3(protocol: "json" | "query" | "smithy-rpc-v2-cbor", namespace: string) {
  const dataPath = mkdtempSync(join(tmpdir(), "botocore-"));
  const script = `
import datetime, gzip, json, os, sys
import boto3, botocore
from botocore.exceptions import ClientError
protocol, data_path, namespace, url = sys.argv[1:5]
if protocol != "json":
    source = os.path.join(os.path.dirname(botocore.__file__), "data/cloudwatch/2010-08-01/service-2.json.gz")
    model = json.load(gzip.open(source))
    model["metadata"]["protocol"] = protocol
    model["metadata"]["protocols"] = [protocol]
    target = os.path.join(data_path, "cloudwatch/2010-08-01")
    os.makedirs(target)
    json.dump(model, open(os.path.join(target, "service-2.json"), "w"))
    os.environ["AWS_DATA_PATH"] = data_path
cw = boto3.session.Session().client("cloudwatch", endpoint_url=url)
cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "M", "Values": [1, 2, 3], "StorageResolution": 1}])
now = datetime.datetime.now(datetime.timezone.utc)
stats = cw.get_metric_statistics(Namespace=namespace, MetricName="M", StartTime=now - datetime.timedelta(minutes=5),
    EndTime=now + datetime.timedelta(minutes=1), Period=60, Statistics=["Sum"], ExtendedStatistics=["p50"])
try:
    cw.set_alarm_state(AlarmName="ghost", StateValue="OK", StateReason="x")
    code = None
except ClientError as error:
    code = error.response["Error"]["Code"]
print(json.dumps({"protocol": cw.meta.service_model.resolved_protocol, "sum": sum(p["Sum"] for p in stats["Datapoints"]),
                  "p50": [p["ExtendedStatistics"]["p50"] for p in stats["Datapoints"]], "error": code}))
`;
  const file = join(dataPath, "check.py");
  writeFileSync(file, script);
  try {
    // Asynchronously: the server answering boto3 runs in this very process.
    return await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(
        "python3",
        [file, protocol, dataPath, namespace, server.url],
        { encoding: "utf8", env: { ...process.env, ...credentialsEnvironment(server) }, timeout: 60_000 },
        (_error, stdout, stderr) => resolve({ stdout, stderr }),
      );
    });
  } finally {
    rmSync(dataPath, { recursive: true, force: true });
  }
}

const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { encoding: "utf8" }).status === 0;

describe.skipIf(!hasBoto3)("boto3", () => {
  for (const protocol of ["json", "query", "smithy-rpc-v2-cbor"] as const) {
    it(`puts and reads metrics over ${protocol}, errors with CloudWatch's query codes`, async () => {
      const run = await boto3(protocol, `Boto3/${protocol}`);
      expect(run.stderr).not.toMatch(/Traceback/);
      expect(JSON.parse(run.stdout)).toEqual({ protocol, sum: 6, p50: [2], error: "ResourceNotFound" });
    });
  }
});

describe("routing without signatures (LOCAL_SAGEMAKER_AUTH=off)", () => {
  it("gives an unsigned form-encoded POST / to the query service its Version names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudwatch-unsigned-"));
    const open = await startLocalServer({ port: 0, stateDir: dir, settings: { auth: false } });
    try {
      const send = (body: string) =>
        signedRequest(open.url, {
          service: "monitoring",
          path: "/",
          unsigned: true,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body,
        });
      const listed = await send(form({ Action: "ListMetrics", Version: "2010-08-01" }));
      expect(listed.status).toBe(200);
      expect(listed.text).toContain("<ListMetricsResult><Metrics></Metrics></ListMetricsResult>");
      const other = await send(form({ Action: "ListQueues", Version: "2012-11-05" }));
      expect(elements(other.text, "Code")).toEqual(["InvalidAction"]);
      expect(elements(other.text, "Message")[0]).toMatch(
        /serves no query API of Version &quot;2012-11-05&quot;/,
      );
    } finally {
      await open.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
