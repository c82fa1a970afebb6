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
import { AwsError } from "../../src/local/errors";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import {
  validatedSageMakerOperations,
  validateSageMakerInput,
} from "../../src/local/services/sagemaker/validation";

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

describe("validateSageMakerInput (Smithy shapes)", () => {
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
      expect(validatedSageMakerOperations).toContain(operation);
  });

  it("tells an unknown operation from a real one it does not carry", () => {
    expect(errorOf("CreateBanana", {}).code).toBe("UnknownOperationException");
    expect(() => validateSageMakerInput("CreateNotebookInstance", {})).not.toThrow();
  });
});

describe("validation through the server and the AWS SDK", () => {
  let server: LocalServer;
  let stateDir: string;
  let sm: SageMakerClient;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "local-sagemaker-validation-"));
    server = await startLocalServer({ port: 0, stateDir });
    sm = new SageMakerClient({
      endpoint: server.url,
      region: "ap-northeast-2",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
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
