import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AddTagsCommand,
  CreateTrainingJobCommand,
  DeleteTagsCommand,
  ListTagsCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { SageMakerTags } from "../../src/local/services/sagemaker/tags";
import { clientConfig } from "../support/local-clients";

/** For `.then(unexpected, (e: Error) => e)`: a call that should have failed but answered. */
const unexpected = (): never => {
  throw new Error("expected the call to fail, but it answered");
};

let server: LocalServer;
let stateDir: string;
let sm: SageMakerClient;
let arn: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "local-sagemaker-tags-"));
  server = await startLocalServer({ port: 0, stateDir });
  sm = new SageMakerClient(clientConfig(server));
  // A training job is a taggable resource; its image cannot run, so it fails at once and leaves nothing running.
  const created = await sm.send(
    new CreateTrainingJobCommand({
      TrainingJobName: "tag-target",
      RoleArn: "arn:aws:iam::000000000000:role/R",
      AlgorithmSpecification: { TrainingImage: "not-an-image", TrainingInputMode: "File" },
      OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
      ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 60 },
      Tags: [{ Key: "project", Value: "ko-sagemaker" }],
    }),
  );
  arn = created.TrainingJobArn as string;
});

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("AddTags, ListTags and DeleteTags", () => {
  it("adds, overwrites, lists and deletes tags of a resource", async () => {
    await sm.send(
      new AddTagsCommand({
        ResourceArn: arn,
        Tags: [
          { Key: "lab", Value: "3.3" },
          { Key: "project", Value: "renamed" },
        ],
      }),
    );
    const listed = await sm.send(new ListTagsCommand({ ResourceArn: arn }));
    expect(listed.Tags).toEqual([
      { Key: "project", Value: "renamed" },
      { Key: "lab", Value: "3.3" },
    ]);
    await sm.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ["project", "not-there"] }));
    expect((await sm.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: "lab", Value: "3.3" },
    ]);
  });

  it("pages ListTags with MaxResults and NextToken", async () => {
    const tags = Array.from({ length: 45 }, (_, i) => ({
      Key: `k${String(i).padStart(2, "0")}`,
      Value: String(i),
    }));
    await sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: tags }));
    const first = await sm.send(new ListTagsCommand({ ResourceArn: arn, MaxResults: 50 }));
    expect(first.Tags).toHaveLength(46);
    expect(first.NextToken).toBeUndefined();
    await sm.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: tags.map((t) => t.Key) }));
  });

  it("refuses more than 50 tags on one resource, keeping the old ones", async () => {
    const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `t${i}`, Value: "v" }));
    const error = await sm
      .send(new AddTagsCommand({ ResourceArn: arn, Tags: tags }))
      .then(unexpected, (e: Error) => e);
    expect(error).toMatchObject({ name: "ValidationException" });
    expect(error.message).toContain("would have 51 tags; a SageMaker resource can carry at most 50");
    expect((await sm.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: "lab", Value: "3.3" },
    ]);
  });

  it("answers ValidationException for a resource that does not exist and for bad tag keys", async () => {
    const ghost = "arn:aws:sagemaker:ap-northeast-2:000000000000:model/ghost";
    for (const command of [
      new ListTagsCommand({ ResourceArn: ghost }),
      new AddTagsCommand({ ResourceArn: ghost, Tags: [{ Key: "a", Value: "b" }] }),
      new DeleteTagsCommand({ ResourceArn: ghost, TagKeys: ["a"] }),
    ]) {
      const error = await sm.send(command as ListTagsCommand).then(unexpected, (e: Error) => e);
      expect(error).toMatchObject({ name: "ValidationException" });
      expect(error.message).toContain(`Could not find resource "${ghost}"`);
    }
    const bad = await sm
      .send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "x".repeat(129), Value: "v" }] }))
      .then(unexpected, (e: Error) => e);
    expect(bad.message).toContain(
      "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
    );
  });
});

describe("the tag registry", () => {
  it("is durable, and forgets an unregistered resource", () => {
    const dir = mkdtempSync(join(tmpdir(), "tag-registry-"));
    try {
      const first = new SageMakerTags(dir);
      first.register("arn:a", [{ Key: "workshop", Value: "1" }]);
      first.register("arn:b", undefined);
      const second = new SageMakerTags(dir);
      expect(second.listTags({ ResourceArn: "arn:a" }).Tags).toEqual([{ Key: "workshop", Value: "1" }]);
      expect(second.listTags({ ResourceArn: "arn:b" }).Tags).toEqual([]);
      second.unregister("arn:a");
      expect(() => new SageMakerTags(dir).listTags({ ResourceArn: "arn:a" })).toThrow(
        /Could not find resource/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
