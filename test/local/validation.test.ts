import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateEndpointConfigCommand,
  CreateTrainingJobCommand,
  type CreateTrainingJobRequest,
  ListTrainingJobsCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsError } from "../../src/local/core/errors";
import { isServiceOperation, readInput } from "../../src/local/protocol/model";
import { MODELS } from "../../src/local/protocol/models";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";

/** What the awsJson layer does with a SageMaker input before the operation runs. */
const validateSageMakerInput = (operation: string, input: unknown) =>
  readInput(MODELS.sagemaker, operation, input, { validationCode: "ValidationException" });

/** For `.then(unexpected, (e: Error) => e)`: a call that should have failed but answered. */
const unexpected = (): never => {
  throw new Error("expected the call to fail, but it answered");
};

const validJob: CreateTrainingJobRequest = {
  TrainingJobName: "valid-job",
  RoleArn: "arn:aws:iam::000000000000:role/SageMakerRole",
  AlgorithmSpecification: { TrainingImage: "ko-sagemaker/training", TrainingInputMode: "File" },
  OutputDataConfig: { S3OutputPath: "s3://bucket/output" },
  ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  HyperParameters: { epochs: "3" },
  Tags: [{ Key: "workshop", Value: "ko-nlp" }],
};

function errorOf(operation: string, input: unknown): AwsError {
  try {
    validateSageMakerInput(operation, input);
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error(`${operation} input was accepted`);
}

describe("reading SageMaker inputs against the Smithy shapes", () => {
  it("accepts a complete CreateTrainingJob request", () => {
    expect(() => validateSageMakerInput("CreateTrainingJob", validJob)).not.toThrow();
  });

  it("names a missing required member, nested ones included", () => {
    const { RoleArn: _role, ...noRole } = validJob;
    const error = errorOf("CreateTrainingJob", {
      ...noRole,
      AlgorithmSpecification: { TrainingImage: "ko-sagemaker/training" },
    });
    expect(error.code).toBe("ValidationException");
    expect(error.message).toMatch(/^2 validation errors detected: /);
    expect(error.message).toContain(
      "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
    expect(error.message).toContain(
      "Value null at 'algorithmSpecification.trainingInputMode' failed to satisfy constraint: Member must not be null",
    );
  });

  it("rejects a value outside an enum, listing the allowed set", () => {
    const error = errorOf("CreateTrainingJob", {
      ...validJob,
      ResourceConfig: { ...validJob.ResourceConfig, InstanceType: "ml.huge" },
    });
    expect(error.message).toMatch(
      /^1 validation error detected: Value 'ml\.huge' at 'resourceConfig\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[.*ml\.m5\.xlarge.*\]$/,
    );
  });

  it("rejects a name that breaks the pattern and the length limit", () => {
    const error = errorOf("CreateTrainingJob", {
      ...validJob,
      TrainingJobName: `bad_name!${"x".repeat(60)}`,
    });
    expect(error.message).toMatch(/^2 validation errors detected: /);
    expect(error.message).toContain(
      "at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63",
    );
    expect(error.message).toContain(
      "at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",
    );
  });

  it("rejects numbers out of range, inside lists and maps too", () => {
    const error = errorOf("CreateTrainingJob", {
      ...validJob,
      ResourceConfig: { ...validJob.ResourceConfig, VolumeSizeInGB: 0 },
      Tags: [
        { Key: "ok", Value: "1" },
        { Key: "", Value: "2" },
      ],
      HyperParameters: { epochs: "x".repeat(2501) },
    });
    expect(error.message).toMatch(/^3 validation errors detected: /);
    expect(error.message).toContain(
      "Value '0' at 'resourceConfig.volumeSizeInGB' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(error.message).toContain(
      "at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(error.message).toContain(
      "at 'hyperParameters.epochs' failed to satisfy constraint: Member must have length less than or equal to 2500",
    );
  });

  it("answers SerializationException for a wrong JSON type", () => {
    const error = errorOf("CreateTrainingJob", {
      ...validJob,
      StoppingCondition: { MaxRuntimeInSeconds: "soon" },
    });
    expect(error.code).toBe("SerializationException");
    expect(error.message).toContain("'stoppingCondition.maxRuntimeInSeconds'");
  });

  it("validates hosting, tag and list operations as well", () => {
    expect(errorOf("CreateEndpoint", { EndpointName: "e" }).message).toContain(
      "Value null at 'endpointConfigName' failed to satisfy constraint: Member must not be null",
    );
    expect(errorOf("ListTags", { ResourceArn: "arn:aws:sagemaker:x", MaxResults: 10 }).message).toContain(
      "Member must have value greater than or equal to 50",
    );
    expect(errorOf("ListTrainingJobs", { SortOrder: "Sideways" }).message).toContain(
      "[Ascending, Descending]",
    );
    expect(() =>
      validateSageMakerInput("UpdateEndpointWeightsAndCapacities", {
        EndpointName: "e",
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredWeight: 1 }],
      }),
    ).not.toThrow();
    for (const operation of [
      "CreateModel",
      "CreateEndpointConfig",
      "UpdateEndpoint",
      "AddTags",
      "DeleteTags",
      "CreatePipeline",
      "CreateTransformJob",
    ])
      expect(Object.keys(MODELS.sagemaker.operations)).toContain(operation);
  });

  it("tells an unknown operation from a real one it does not carry", () => {
    expect(isServiceOperation(MODELS.sagemaker, "CreateBanana")).toBe(false);
    expect(isServiceOperation(MODELS.sagemaker, "CreateNotebookInstance")).toBe(true);
  });

  it("drops members the shape does not know, at every depth, so junk is never stored", () => {
    const read = validateSageMakerInput("CreateTrainingJob", {
      ...validJob,
      Junk: "x".repeat(1000),
      ResourceConfig: { ...validJob.ResourceConfig, Extra: { deep: true } },
    });
    expect(read).not.toHaveProperty("Junk");
    expect(read.ResourceConfig).toEqual(validJob.ResourceConfig);
  });

  it("refuses fractions and values outside a member's integer type, naming the member", () => {
    const fraction = errorOf("CreateTrainingJob", {
      ...validJob,
      ResourceConfig: { ...validJob.ResourceConfig, InstanceCount: 1.5 },
    });
    expect(fraction.code).toBe("ValidationException");
    expect(fraction.message).toContain(
      "at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must be a whole number",
    );
    const huge = errorOf("CreateTrainingJob", {
      ...validJob,
      ResourceConfig: { ...validJob.ResourceConfig, InstanceCount: 1e308 },
    });
    expect(huge.message).toContain(
      "at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must fit a 32-bit integer",
    );
  });

  it("lists a handful of violations and counts the rest, however many there are", () => {
    const tags = Array.from({ length: 5000 }, () => ({ Key: "", Value: "v" }));
    const error = errorOf("AddTags", {
      ResourceArn: "arn:aws:sagemaker:ap-northeast-2:000000000000:model/m",
      Tags: tags,
    });
    // 5,000 empty keys, and a list over its 50-tag limit.
    expect(error.message).toMatch(/^5001 validation errors detected: /);
    expect(error.message).toContain("; and 4991 more");
    expect(error.message.length).toBeLessThan(4000);
  });

  it("hands services Dates for timestamps (epoch seconds or ISO text on the wire)", () => {
    const read = validateSageMakerInput("ListTrainingJobs", {
      CreationTimeAfter: 1_700_000_000,
      CreationTimeBefore: "2026-12-01T00:00:00Z",
    });
    expect(read.CreationTimeAfter).toEqual(new Date(1_700_000_000_000));
    expect(read.CreationTimeBefore).toEqual(new Date("2026-12-01T00:00:00Z"));
  });

  it("reads the Java syntax some Smithy patterns use (InferenceId: \\A\\S[\\p{Print}]*\\z)", () => {
    const invoke = (InferenceId: string) =>
      readInput(
        MODELS.sagemakerRuntime,
        "InvokeEndpoint",
        { EndpointName: "e", Body: Buffer.from("{}"), InferenceId },
        { validationCode: "ValidationError" },
      );
    expect(invoke("run-42/review 7").InferenceId).toBe("run-42/review 7");
    expect(() => invoke(" leading-space")).toThrow(/inferenceId/);
    expect(() => invoke("tab\there")).toThrow(/inferenceId/);
    expect(() => invoke("x".repeat(65))).toThrow(/less than or equal to 64/);
  });
});

describe("validation through the server and the AWS SDK", () => {
  let server: LocalServer;
  let stateDir: string;
  let sm: SageMakerClient;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "local-sagemaker-validation-"));
    server = await startLocalServer({ port: 0, stateDir });
    sm = new SageMakerClient(clientConfig(server));
  });

  afterAll(async () => {
    await server?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("answers ValidationException with AWS's message before any handler runs", async () => {
    const error = await sm
      .send(new CreateTrainingJobCommand({ ...validJob, TrainingJobName: "no_underscores" }))
      .then(unexpected, (e: Error) => e);
    expect(error).toMatchObject({ name: "ValidationException" });
    expect(error.message).toContain(
      "Value 'no_underscores' at 'trainingJobName' failed to satisfy constraint",
    );
    const list = await sm.send(new ListTrainingJobsCommand({}));
    expect(list.TrainingJobSummaries).toEqual([]);

    const config = await sm
      .send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: "cfg",
          ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "m", InitialVariantWeight: -1 }],
        }),
      )
      .then(unexpected, (e: Error) => e);
    expect(config).toMatchObject({ name: "ValidationException" });
    expect(config.message).toContain("'productionVariants.1.member.initialVariantWeight'");
  });
});
