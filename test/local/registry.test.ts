import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  paginateListModelPackages,
  SageMakerClient,
  UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";

/** For `.then(unexpected, (e: Error) => e)`: a call that should have failed but answered. */
const unexpected = (): never => {
  throw new Error("expected the call to fail, but it answered");
};

const IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04";
const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const inference = (artifact: string) => ({
  Containers: [{ Image: IMAGE, ModelDataUrl: artifact, Environment: { HF_TASK: "text-classification" } }],
  SupportedContentTypes: ["application/json"],
  SupportedResponseMIMETypes: ["application/json"],
  SupportedRealtimeInferenceInstanceTypes: ["ml.m5.xlarge" as const],
  SupportedTransformInstanceTypes: ["ml.m5.xlarge" as const],
});

let server: LocalServer;
let stateDir: string;
let sm: SageMakerClient;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "local-sagemaker-registry-"));
  server = await startLocalServer({ port: 0, stateDir });
  sm = new SageMakerClient(clientConfig(server));
});

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("model package groups", () => {
  it("creates, describes, lists and refuses a second group of the same name", async () => {
    const created = await sm.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: "nsmc-sentiment",
        ModelPackageGroupDescription: "Korean sentiment models",
        Tags: [{ Key: "lab", Value: "5.3" }],
      }),
    );
    expect(created.ModelPackageGroupArn).toBe(
      `arn:aws:sagemaker:${server.region}:000000000000:model-package-group/nsmc-sentiment`,
    );
    const described = await sm.send(
      new DescribeModelPackageGroupCommand({ ModelPackageGroupName: "nsmc-sentiment" }),
    );
    expect(described).toMatchObject({
      ModelPackageGroupName: "nsmc-sentiment",
      ModelPackageGroupDescription: "Korean sentiment models",
      ModelPackageGroupStatus: "Completed",
    });
    expect(described.CreationTime).toBeInstanceOf(Date);
    const tags = await sm.send(new ListTagsCommand({ ResourceArn: created.ModelPackageGroupArn }));
    expect(tags.Tags).toEqual([{ Key: "lab", Value: "5.3" }]);

    const again = await sm
      .send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "nsmc-sentiment" }))
      .then(unexpected, (error: Error) => error);
    expect(again.name).toBe("ValidationException");
    expect(again.message).toMatch(/already exists/);

    await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "other-group" }));
    const listed = await sm.send(
      new ListModelPackageGroupsCommand({ SortBy: "Name", SortOrder: "Ascending" }),
    );
    expect(listed.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toEqual([
      "nsmc-sentiment",
      "other-group",
    ]);
    const filtered = await sm.send(new ListModelPackageGroupsCommand({ NameContains: "nsmc" }));
    expect(filtered.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toEqual([
      "nsmc-sentiment",
    ]);
  });

  it("answers a missing group with ValidationException naming its ARN", async () => {
    const error = await sm
      .send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: "no-such-group" }))
      .then(unexpected, (e: Error) => e);
    expect(error.name).toBe("ValidationException");
    expect(error.message).toContain("model-package-group/no-such-group");
  });
});

describe("versioned model packages", () => {
  it("numbers versions in their group, keeps metrics and metadata, and lists by status and order", async () => {
    const arns: string[] = [];
    for (const [i, status] of (["PendingManualApproval", "Approved", undefined] as const).entries()) {
      const created = await sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "nsmc-sentiment",
          ModelPackageDescription: `run ${i + 1}`,
          InferenceSpecification: inference(`s3://bucket/model-${i + 1}/model.tar.gz`),
          ...(status ? { ModelApprovalStatus: status } : {}),
          ModelMetrics: {
            ModelQuality: {
              Statistics: { ContentType: "application/json", S3Uri: `s3://bucket/eval-${i + 1}.json` },
            },
          },
          CustomerMetadataProperties: { epochs: String(i + 1) },
          MetadataProperties: { ProjectId: "ko-sagemaker" },
        }),
      );
      arns.push(created.ModelPackageArn as string);
    }
    expect(arns).toEqual(
      [1, 2, 3].map(
        (version) =>
          `arn:aws:sagemaker:${server.region}:000000000000:model-package/nsmc-sentiment/${version}`,
      ),
    );
    const third = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arns[2] }));
    expect(third).toMatchObject({
      ModelPackageName: "nsmc-sentiment",
      ModelPackageGroupName: "nsmc-sentiment",
      ModelPackageVersion: 3,
      ModelPackageStatus: "Completed",
      ModelPackageStatusDetails: { ValidationStatuses: [] },
      // The default for a version that names no status.
      ModelApprovalStatus: "PendingManualApproval",
      CustomerMetadataProperties: { epochs: "3" },
      MetadataProperties: { ProjectId: "ko-sagemaker" },
      ModelMetrics: { ModelQuality: { Statistics: { S3Uri: "s3://bucket/eval-3.json" } } },
    });
    expect(third.InferenceSpecification?.Containers?.[0]?.ModelDataUrl).toBe(
      "s3://bucket/model-3/model.tar.gz",
    );
    // "group/version" names a version too.
    const byShortName = await sm.send(
      new DescribeModelPackageCommand({ ModelPackageName: "nsmc-sentiment/2" }),
    );
    expect(byShortName.ModelApprovalStatus).toBe("Approved");

    const pending = await sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: "nsmc-sentiment",
        ModelApprovalStatus: "PendingManualApproval",
      }),
    );
    expect(pending.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion).sort()).toEqual([1, 3]);
    const newestFirst = await sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: `arn:aws:sagemaker:${server.region}:000000000000:model-package-group/nsmc-sentiment`,
        SortBy: "CreationTime",
        SortOrder: "Descending",
      }),
    );
    expect(newestFirst.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([3, 2, 1]);
    // Paging with the SDK's paginator.
    const versions: number[] = [];
    for await (const page of paginateListModelPackages(
      { client: sm, pageSize: 2 },
      { ModelPackageGroupName: "nsmc-sentiment", SortOrder: "Ascending" },
    )) {
      expect(page.ModelPackageSummaryList?.length).toBeLessThanOrEqual(2);
      versions.push(...(page.ModelPackageSummaryList ?? []).map((p) => p.ModelPackageVersion as number));
    }
    expect(versions).toEqual([1, 2, 3]);
    // Without a group or a type, only unversioned packages are listed, as the API reference says.
    const unversioned = await sm.send(new ListModelPackagesCommand({}));
    expect(unversioned.ModelPackageSummaryList).toEqual([]);
  });

  it("approves with a description, updates metadata, and only then creates a model from the package", async () => {
    const arn = `arn:aws:sagemaker:${server.region}:000000000000:model-package/nsmc-sentiment/1`;
    const refused = await sm
      .send(
        new CreateModelCommand({
          ModelName: "from-pending-package",
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { ModelPackageName: arn },
        }),
      )
      .then(unexpected, (e: Error) => e);
    expect(refused.name).toBe("ValidationException");
    expect(refused.message).toMatch(/PendingManualApproval.*must be Approved/);

    const updated = await sm.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: "Approved",
        ApprovalDescription: "accuracy 0.88 on NSMC test",
        CustomerMetadataProperties: { reviewer: "lab" },
        CustomerMetadataPropertiesToRemove: ["epochs"],
      }),
    );
    expect(updated.ModelPackageArn).toBe(arn);
    const described = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect(described).toMatchObject({
      ModelApprovalStatus: "Approved",
      ApprovalDescription: "accuracy 0.88 on NSMC test",
      CustomerMetadataProperties: { reviewer: "lab" },
    });
    expect((described.LastModifiedTime as Date).getTime()).toBeGreaterThanOrEqual(
      (described.CreationTime as Date).getTime(),
    );

    await sm.send(
      new CreateModelCommand({
        ModelName: "from-approved-package",
        ExecutionRoleArn: ROLE,
        Containers: [{ ModelPackageName: arn, Environment: { EXTRA: "1" } }],
      }),
    );
    const model = await sm.send(new DescribeModelCommand({ ModelName: "from-approved-package" }));
    expect(model.Containers).toEqual([
      {
        Image: IMAGE,
        ModelDataUrl: "s3://bucket/model-1/model.tar.gz",
        Environment: { HF_TASK: "text-classification", EXTRA: "1" },
        ModelPackageName: arn,
      },
    ]);
  });

  it("refuses to delete a group that still holds versions, then deletes versions and the group", async () => {
    const error = await sm
      .send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: "nsmc-sentiment" }))
      .then(unexpected, (e: Error) => e);
    expect(error.name).toBe("ConflictException");
    expect(error.message).toMatch(/3 model package versions \(1, 2, 3\)/);
    for (const version of [1, 2, 3]) {
      await sm.send(new DeleteModelPackageCommand({ ModelPackageName: `nsmc-sentiment/${version}` }));
    }
    const gone = await sm
      .send(new DescribeModelPackageCommand({ ModelPackageName: "nsmc-sentiment/2" }))
      .then(unexpected, (e: Error) => e);
    expect(gone.message).toContain("model-package/nsmc-sentiment/2");
    await sm.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: "nsmc-sentiment" }));
    const listed = await sm.send(new ListModelPackageGroupsCommand({}));
    expect(listed.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toEqual(["other-group"]);
  });

  it("never reuses a version number after a delete", async () => {
    const make = () =>
      sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "other-group",
          InferenceSpecification: inference("s3://bucket/m/model.tar.gz"),
        }),
      );
    await make();
    const second = await make();
    await sm.send(new DeleteModelPackageCommand({ ModelPackageName: second.ModelPackageArn }));
    const third = await make();
    expect(third.ModelPackageArn).toMatch(/other-group\/3$/);
  });
});

describe("unversioned model packages and bad requests", () => {
  it("creates an unversioned package by name; refuses an approval status for it", async () => {
    const created = await sm.send(
      new CreateModelPackageCommand({
        ModelPackageName: "standalone",
        InferenceSpecification: inference("s3://bucket/standalone/model.tar.gz"),
      }),
    );
    expect(created.ModelPackageArn).toMatch(/:model-package\/standalone$/);
    const listed = await sm.send(new ListModelPackagesCommand({}));
    expect(listed.ModelPackageSummaryList?.map((p) => p.ModelPackageName)).toEqual(["standalone"]);
    const both = await sm.send(new ListModelPackagesCommand({ ModelPackageType: "Both" }));
    expect(both.ModelPackageSummaryList?.length).toBe(3);
    // An unversioned package needs no approval to become a model.
    await sm.send(
      new CreateModelCommand({
        ModelName: "from-standalone",
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { ModelPackageName: "standalone" },
      }),
    );
    const error = await sm
      .send(
        new CreateModelPackageCommand({
          ModelPackageName: "standalone-2",
          ModelApprovalStatus: "Approved",
          InferenceSpecification: inference("s3://bucket/x/model.tar.gz"),
        }),
      )
      .then(unexpected, (e: Error) => e);
    expect(error.message).toMatch(/versioned model packages only/);
  });

  it("refuses a version in a missing group, and a package naming both a group and a name", async () => {
    const missing = await sm
      .send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "no-such-group",
          InferenceSpecification: inference("s3://bucket/x/model.tar.gz"),
        }),
      )
      .then(unexpected, (e: Error) => e);
    expect(missing.name).toBe("ValidationException");
    expect(missing.message).toContain("model-package-group/no-such-group");
    const both = await sm
      .send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: "other-group",
          ModelPackageName: "x",
          InferenceSpecification: inference("s3://bucket/x/model.tar.gz"),
        }),
      )
      .then(unexpected, (e: Error) => e);
    expect(both.message).toMatch(/not both/);
    const groupNamed = await sm
      .send(new DescribeModelPackageCommand({ ModelPackageName: "other-group" }))
      .then(unexpected, (e: Error) => e);
    expect(groupNamed.message).toMatch(/is a model package group/);
  });

  it("is idempotent for a repeated ClientToken", async () => {
    const request = {
      ModelPackageGroupName: "other-group",
      InferenceSpecification: inference("s3://bucket/y/model.tar.gz"),
      ClientToken: "retry-token-1",
    };
    const first = await sm.send(new CreateModelPackageCommand(request));
    const second = await sm.send(new CreateModelPackageCommand(request));
    expect(second.ModelPackageArn).toBe(first.ModelPackageArn);
  });
});
