import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  AddTagsCommand,
  CreateTrainingJobCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onCorruptRecord } from "../../src/local/core/store";
import { scriptTrainingJob } from "../support/training-job";
import { BUCKET, deploy, type Local, modelArchive, startLocal, stopLocal } from "./hosting-fixtures";

/**
 * State on disk damaged while the server was stopped (a disk fault, an edit by hand, a crash outside the atomic
 * writes): a truncated or garbled record of each kind and a temporary an interrupted write left behind. The server
 * must start, move each damaged record aside as `<file>.corrupt-<time>` and report it once with its path and what
 * was lost, keep serving everything else, answer the damaged resource with the normal not-found error (never 500),
 * and remove the temporaries.
 */

type Report = { file: string; movedTo: string; what: string; why: string };
const reports: Report[] = [];
onCorruptRecord((report) => reports.push(report));

const OTHER_BUCKET = "marker-damaged";
const TEMPORARY = ".tmp-0123456789ab";
const HANDLER =
  "exports.modelFn = () => ({});\nexports.transformFn = () => ({ body: '[]', contentType: 'application/json' });\n";

let stateDir: string;
let local: Local;
let goodEndpoint: string;
let badEndpoint: string;
let goodModel: string;
let badModel: string;
let badConfig: string;
const temporaries: string[] = [];

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
/** Half of a file: what a torn write or a full disk leaves. */
const truncate = (file: string): void => {
  const text = readFileSync(file);
  writeFileSync(file, text.subarray(0, Math.floor(text.length / 2)));
};
const garble = (file: string): void => writeFileSync(file, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00, 0x13]));

/** Where the logs service keeps a group: a folder named by the hash of its name (services/logs/service.ts). */
const logGroupDir = (group: string): string => join(stateDir, "logs", sha256(group).slice(0, 40));

async function refusal(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "state-corruption-"));
  const first = await startLocal(stateDir);
  try {
    for (const name of ["job-good", "job-bad"]) {
      await first.sm.send(
        new CreateTrainingJobCommand(
          await scriptTrainingJob(first.s3, BUCKET, name, "console.log('trained')"),
        ),
      );
    }
    const archive = await modelArchive({ "code/inference.js": HANDLER });
    const good = await deploy(first, archive);
    const bad = await deploy(first, archive);
    goodEndpoint = good.endpoint;
    badEndpoint = bad.endpoint;
    goodModel = good.model;
    badModel = bad.model;
    badConfig = bad.config;
    for (const model of [goodModel, badModel]) {
      await first.sm.send(
        new AddTagsCommand({
          ResourceArn: `arn:aws:sagemaker:ap-northeast-2:000000000000:model/${model}`,
          Tags: [{ Key: "lab", Value: "corruption" }],
        }),
      );
    }
    await first.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "good.txt", Body: "good" }));
    await first.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "bad.txt", Body: "bad" }));
    await first.s3.send(new CreateBucketCommand({ Bucket: OTHER_BUCKET }));
    await first.s3.send(new PutObjectCommand({ Bucket: OTHER_BUCKET, Key: "kept.txt", Body: "kept" }));
    for (const group of ["/test/good", "/test/bad"]) {
      await first.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      await first.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
      await first.logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: "s",
          logEvents: [{ timestamp: Date.now(), message: `hello from ${group}` }],
        }),
      );
    }
    // Both jobs finish before the server stops (a job cut off by a stop is another test's subject).
    for (const name of ["job-good", "job-bad"]) {
      for (let i = 0; i < 300; i++) {
        const job = await first.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
        if (job.TrainingJobStatus === "Completed") break;
        if (job.TrainingJobStatus === "Failed") throw new Error(`${name} failed: ${job.FailureReason}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await stopLocal(first, false);
  }

  truncate(join(stateDir, "sagemaker-training-jobs", "job-bad.json"));
  truncate(join(stateDir, "sagemaker-endpoints", `${encodeURIComponent(badEndpoint.toLowerCase())}.json`));
  garble(join(stateDir, "s3", BUCKET, "objects", `${sha256("bad.txt")}.json`));
  truncate(join(stateDir, "s3", OTHER_BUCKET, "bucket.json"));
  // Valid JSON that is no record (an edit by hand): damaged just the same.
  writeFileSync(join(stateDir, "sagemaker-endpoint-configs", `${badConfig.toLowerCase()}.json`), "null");
  truncate(join(logGroupDir("/test/bad"), "group.json"));
  truncate(
    join(
      stateDir,
      "sagemaker-tags",
      `${encodeURIComponent(`arn:aws:sagemaker:ap-northeast-2:000000000000:model/${badModel}`)}.json`,
    ),
  );
  for (const dir of [
    join(stateDir, "sagemaker-training-jobs"),
    join(stateDir, "sagemaker-endpoints"),
    join(stateDir, "sagemaker-models"),
    join(stateDir, "sagemaker-tags"),
    join(stateDir, "s3", BUCKET, "objects"),
    logGroupDir("/test/good"),
  ]) {
    const file = join(dir, `half-written.json${TEMPORARY}`);
    writeFileSync(file, '{"half":');
    temporaries.push(file);
  }
  reports.length = 0;
  local = await startLocal(stateDir);
});

afterAll(() => stopLocal(local));

describe("a restart over damaged state", () => {
  it("starts, moves each damaged record aside as <file>.corrupt-<time> and reports it once, with its path", () => {
    const damaged = [
      join(stateDir, "sagemaker-training-jobs", "job-bad.json"),
      join(stateDir, "sagemaker-endpoints", `${encodeURIComponent(badEndpoint.toLowerCase())}.json`),
      join(stateDir, "s3", BUCKET, "objects", `${sha256("bad.txt")}.json`),
      join(stateDir, "s3", OTHER_BUCKET, "bucket.json"),
      join(
        stateDir,
        "sagemaker-tags",
        `${encodeURIComponent(`arn:aws:sagemaker:ap-northeast-2:000000000000:model/${badModel}`)}.json`,
      ),
    ];
    damaged.push(join(stateDir, "sagemaker-endpoint-configs", `${badConfig.toLowerCase()}.json`));
    const badGroup = join(logGroupDir("/test/bad"), "group.json");
    damaged.push(badGroup);
    expect(reports.map((report) => report.file).sort()).toEqual([...damaged].sort());
    for (const report of reports) {
      expect(report.movedTo).toMatch(/\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
      expect(report.movedTo.startsWith(`${report.file}.corrupt-`)).toBe(true);
      expect(existsSync(report.movedTo)).toBe(true);
      // A bucket's marker and a tag document are written anew (the bucket, the tagged resource stay); a
      // damaged record of a resource is gone with it.
      const rewritten = report.file.endsWith("bucket.json") || report.file.includes("sagemaker-tags");
      expect(existsSync(report.file), report.file).toBe(rewritten);
      expect(report.why).not.toBe("");
    }
    const what = Object.fromEntries(reports.map((report) => [report.file, report.what]));
    expect(what[damaged[0] as string]).toBe("training job job-bad");
    expect(what[damaged[1] as string]).toBe(`endpoint ${badEndpoint.toLowerCase()}`);
    expect(what[damaged[2] as string]).toMatch(/an object of bucket hosting-tests/);
    expect(what[badGroup]).toMatch(/the log group stored in/);
    expect(what[damaged[5] as string]).toBe(`endpoint configuration ${badConfig.toLowerCase()}`);
    expect(reports.find((report) => report.what.startsWith("endpoint configuration"))?.why).toBe(
      "it is not a JSON object",
    );
    expect(what[damaged[3] as string]).toMatch(
      /the record of bucket marker-damaged \(only its creation date is lost/,
    );
    expect(what[damaged[4] as string]).toBe(
      `the tags of arn:aws:sagemaker:ap-northeast-2:000000000000:model/${badModel}`,
    );
  });

  it("removes the temporaries interrupted writes left", () => {
    for (const file of temporaries) expect(existsSync(file), file).toBe(false);
  });

  it("training jobs: the damaged one is not found, the others are intact", async () => {
    const missing = await refusal(
      local.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-bad" })),
    );
    expect(missing.name).toBe("ValidationException");
    expect(missing.$metadata.httpStatusCode).toBe(400);
    expect(missing.message).toMatch(/job-bad/);
    const good = await local.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-good" }));
    expect(good.TrainingJobStatus).toBe("Completed");
    const listed = await local.sm.send(new ListTrainingJobsCommand({}));
    expect(listed.TrainingJobSummaries?.map((job) => job.TrainingJobName)).toEqual(["job-good"]);
  });

  it("endpoints: the damaged one is not found, the intact one is back InService", async () => {
    const missing = await refusal(local.sm.send(new DescribeEndpointCommand({ EndpointName: badEndpoint })));
    expect(missing.name).toBe("ValidationException");
    expect(missing.message).toContain(`Could not find endpoint`);
    const listed = await local.sm.send(new ListEndpointsCommand({}));
    expect(listed.Endpoints?.map((endpoint) => endpoint.EndpointName)).toEqual([goodEndpoint]);
    let status: string | undefined;
    for (let i = 0; i < 300 && status !== "InService"; i++) {
      status = (await local.sm.send(new DescribeEndpointCommand({ EndpointName: goodEndpoint })))
        .EndpointStatus;
      if (status !== "InService") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe("InService");
    // The config whose record was no record is not found; the other one is intact.
    const config = await refusal(
      local.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: badConfig })),
    );
    expect(config.name).toBe("ValidationException");
    expect(config.message).toContain("Could not find endpoint configuration");
    const configs = await local.sm.send(new ListEndpointConfigsCommand({}));
    expect(configs.EndpointConfigs).toHaveLength(1);
    // The models behind them are intact.
    for (const model of [goodModel, badModel])
      expect((await local.sm.send(new DescribeModelCommand({ ModelName: model }))).ModelName).toBe(model);
    expect((await local.sm.send(new ListModelsCommand({}))).Models).toHaveLength(2);
  });

  it("S3: a damaged sidecar loses its object alone (NoSuchKey); a damaged bucket marker loses no object", async () => {
    const missing = await refusal(local.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "bad.txt" })));
    expect(missing.name).toBe("NoSuchKey");
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const good = await local.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "good.txt" }));
    expect(await good.Body?.transformToString()).toBe("good");
    const listed = await local.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const keys = listed.Contents?.map((object) => object.Key) ?? [];
    expect(keys).toContain("good.txt");
    expect(keys).not.toContain("bad.txt");
    // The bucket whose marker was torn is still a bucket, with its objects.
    const buckets = await local.s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual([BUCKET, OTHER_BUCKET]);
    const kept = await local.s3.send(new GetObjectCommand({ Bucket: OTHER_BUCKET, Key: "kept.txt" }));
    expect(await kept.Body?.transformToString()).toBe("kept");
    // The object can be written again.
    await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "bad.txt", Body: "again" }));
    const again = await local.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "bad.txt" }));
    expect(await again.Body?.transformToString()).toBe("again");
  });

  it("logs: the damaged group is not found (ResourceNotFoundException), the others keep their events", async () => {
    const groups = await local.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/test/" }));
    expect(groups.logGroups?.map((group) => group.logGroupName)).toEqual(["/test/good"]);
    for (const call of [
      local.logs.send(new GetLogEventsCommand({ logGroupName: "/test/bad", logStreamName: "s" })),
      local.logs.send(new FilterLogEventsCommand({ logGroupName: "/test/bad" })),
    ]) {
      const missing = await refusal(call);
      expect(missing.name).toBe("ResourceNotFoundException");
      expect(missing.$metadata.httpStatusCode).toBe(400);
    }
    const events = await local.logs.send(
      new GetLogEventsCommand({ logGroupName: "/test/good", logStreamName: "s", startFromHead: true }),
    );
    expect(events.events?.map((event) => event.message)).toEqual(["hello from /test/good"]);
  });

  it("tags: a damaged tag file loses its tags, not the resource: ListTags answers none and AddTags works", async () => {
    const arn = (model: string) => `arn:aws:sagemaker:ap-northeast-2:000000000000:model/${model}`;
    expect((await local.sm.send(new ListTagsCommand({ ResourceArn: arn(goodModel) }))).Tags).toEqual([
      { Key: "lab", Value: "corruption" },
    ]);
    expect((await local.sm.send(new ListTagsCommand({ ResourceArn: arn(badModel) }))).Tags).toEqual([]);
    await local.sm.send(
      new AddTagsCommand({ ResourceArn: arn(badModel), Tags: [{ Key: "lab", Value: "restored" }] }),
    );
    expect((await local.sm.send(new ListTagsCommand({ ResourceArn: arn(badModel) }))).Tags).toEqual([
      { Key: "lab", Value: "restored" },
    ]);
  });

  it("reported each damaged record once: reading it again reports nothing more", async () => {
    const before = reports.length;
    await refusal(local.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-bad" })));
    await local.sm.send(new ListTrainingJobsCommand({}));
    await local.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(reports.length).toBe(before);
  });
});
