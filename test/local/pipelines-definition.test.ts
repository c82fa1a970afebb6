import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreatePipelineCommand,
  DeletePipelineCommand,
  DescribePipelineCommand,
  ListPipelinesCommand,
  SageMakerClient,
  UpdatePipelineCommand,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIsoDuration } from "../../src/common/iso-duration";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";
import { definition, type Json, ROLE, trainingArguments } from "./pipeline-fixtures";

/** CreatePipeline reads the definition and refuses, naming it, anything an execution would trip over later. */

const unexpected = (): never => {
  throw new Error("expected the call to fail, but it answered");
};

let server: LocalServer;
let stateDir: string;
let sm: SageMakerClient;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "local-sagemaker-pipeline-definitions-"));
  server = await startLocalServer({ port: 0, stateDir });
  sm = new SageMakerClient(clientConfig(server));
});

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const train = (name: string, extra: Json = {}): Json => ({
  Name: name,
  Type: "Training",
  Arguments: trainingArguments({ bucket: "b", sourceDir: "s3://b/src.tar.gz", train: "s3://b/train" }),
  ...extra,
});

const lambda = (name: string, args: Json, extra: Json = {}): Json => ({
  Name: name,
  Type: "Lambda",
  FunctionArn: "arn:aws:lambda:ap-northeast-2:000000000000:function:fn",
  OutputParameters: [{ OutputName: "doubled", OutputType: "Integer" }],
  Arguments: args,
  ...extra,
});

const processing = (name: string, extra: Json = {}): Json => ({
  Name: name,
  Type: "Processing",
  Arguments: {
    ProcessingResources: {
      ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
    },
    AppSpecification: { ImageUri: "ko-sagemaker/processing" },
    RoleArn: ROLE,
    ProcessingOutputConfig: {
      Outputs: [
        {
          OutputName: "evaluation",
          S3Output: {
            S3Uri: "s3://b/eval",
            LocalPath: "/opt/ml/processing/evaluation",
            S3UploadMode: "EndOfJob",
          },
        },
      ],
    },
  },
  PropertyFiles: [
    { PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "evaluation.json" },
  ],
  ...extra,
});

async function refusal(body: string): Promise<Error> {
  return sm
    .send(
      new CreatePipelineCommand({
        PipelineName: `bad-${Date.now()}`,
        PipelineDefinition: body,
        RoleArn: ROLE,
      }),
    )
    .then(unexpected, (error: Error) => error);
}

describe("CreatePipeline checks the definition", () => {
  it("accepts a valid definition, describes it and lists it", async () => {
    const body = definition(
      [
        train("Train"),
        {
          Name: "Check",
          Type: "Condition",
          Arguments: {
            Conditions: [
              {
                Type: "GreaterThanOrEqualTo",
                LeftValue: { Get: "Steps.Train.FinalMetricDataList['eval_accuracy'].Value" },
                RightValue: { Get: "Parameters.Threshold" },
              },
            ],
            IfSteps: [lambda("Deploy", { model: { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" } })],
            ElseSteps: [{ Name: "Stop", Type: "Fail", Arguments: { ErrorMessage: "too low" } }],
          },
        },
      ],
      [{ Name: "Threshold", Type: "Float", DefaultValue: 0.8 }],
    );
    const created = await sm.send(
      new CreatePipelineCommand({
        PipelineName: "valid-pipeline",
        PipelineDefinition: body,
        PipelineDescription: "a valid one",
        RoleArn: ROLE,
        ParallelismConfiguration: { MaxParallelExecutionSteps: 2 },
      }),
    );
    expect(created.PipelineArn).toBe(
      `arn:aws:sagemaker:${server.region}:000000000000:pipeline/valid-pipeline`,
    );
    const described = await sm.send(new DescribePipelineCommand({ PipelineName: "valid-pipeline" }));
    expect(described).toMatchObject({
      PipelineName: "valid-pipeline",
      PipelineDefinition: body,
      PipelineStatus: "Active",
      RoleArn: ROLE,
      ParallelismConfiguration: { MaxParallelExecutionSteps: 2 },
    });
    const listed = await sm.send(new ListPipelinesCommand({ PipelineNamePrefix: "valid" }));
    expect(listed.PipelineSummaries?.map((p) => p.PipelineName)).toEqual(["valid-pipeline"]);
    // The Python SDK's upsert relies on this answer to fall back to UpdatePipeline.
    const again = await sm
      .send(
        new CreatePipelineCommand({
          PipelineName: "valid-pipeline",
          PipelineDefinition: body,
          RoleArn: ROLE,
        }),
      )
      .then(unexpected, (error: Error) => error);
    expect(again.name).toBe("ValidationException");
    expect(again.message).toMatch(/already exists/);
  });

  it("refuses a reference to a step the definition does not have, naming both", async () => {
    const error = await refusal(
      definition([
        train("Train"),
        lambda("Deploy", { model: { Get: "Steps.Trian.ModelArtifacts.S3ModelArtifacts" } }),
      ]),
    );
    expect(error.name).toBe("ValidationException");
    expect(error.message).toContain(
      'step "Deploy" (at Arguments.model) refers to step "Trian", which the definition does not have',
    );
    expect(error.message).toContain("its steps: Train, Deploy");
  });

  it("refuses DependsOn naming a missing step", async () => {
    const error = await refusal(definition([train("Train", { DependsOn: ["Prepare"] })]));
    expect(error.message).toContain('step "Train" depends on step "Prepare"');
  });

  it("refuses a parameter that is not declared", async () => {
    const error = await refusal(
      definition(
        [lambda("Deploy", { n: { Get: "Parameters.Epochs" } })],
        [{ Name: "Threshold", Type: "Float" }],
      ),
    );
    expect(error.message).toContain('reads parameter "Epochs"');
    expect(error.message).toContain("its parameters: Threshold");
  });

  it("refuses a property the step type does not have, listing the members it has", async () => {
    const error = await refusal(
      definition([
        train("Train"),
        lambda("Deploy", { model: { Get: "Steps.Train.ModelArtifact.S3ModelArtifacts" } }),
      ]),
    );
    expect(error.message).toContain("reads Steps.Train.ModelArtifact.S3ModelArtifacts");
    expect(error.message).toContain("DescribeTrainingJobResponse");
    expect(error.message).toMatch(/its members: .*ModelArtifacts/);
    const lambdaOutput = await refusal(
      definition([
        lambda("First", {}),
        lambda("Second", { n: { Get: "Steps.First.OutputParameters['tripled']" } }),
      ]),
    );
    expect(lambdaOutput.message).toContain('declares no output "tripled" (its OutputParameters: doubled)');
    const failProperty = await refusal(
      definition([
        { Name: "Stop", Type: "Fail", Arguments: {} },
        lambda("After", { n: { Get: "Steps.Stop.ErrorMessage" } }),
      ]),
    );
    expect(failProperty.message).toContain("a Fail step ends the execution and has no properties");
  });

  it("refuses a JsonGet of a property file the step does not declare", async () => {
    const error = await refusal(
      definition([
        processing("Evaluate"),
        lambda("Report", {
          accuracy: {
            "Std:JsonGet": {
              PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.Metrics" },
              Path: "accuracy",
            },
          },
        }),
      ]),
    );
    expect(error.message).toContain('reads property file "Metrics" of step "Evaluate"');
    expect(error.message).toContain('only "EvaluationReport"');
    const output = await refusal(
      definition([
        processing("Evaluate", {
          PropertyFiles: [{ PropertyFileName: "Report", OutputName: "metrics", FilePath: "evaluation.json" }],
        }),
      ]),
    );
    expect(output.message).toContain(
      'reads output "metrics", which is not one of the step\'s ProcessingOutputConfig outputs (evaluation)',
    );
  });

  it("refuses a cycle and says which steps form it", async () => {
    const error = await refusal(
      definition([
        lambda("A", { n: { Get: "Steps.C.OutputParameters['doubled']" } }),
        lambda("B", { n: { Get: "Steps.A.OutputParameters['doubled']" } }),
        lambda("C", {}, { DependsOn: ["B"] }),
      ]),
    );
    expect(error.message).toContain("the steps depend on each other in a cycle: A → B → C → A");
  });

  it('refuses the workshop\'s ExpireAfter "7d" with the ISO 8601 spelling', async () => {
    const error = await refusal(
      definition([train("Train", { CacheConfig: { Enabled: true, ExpireAfter: "7d" } })]),
    );
    expect(error.message).toContain(
      'step "Train": CacheConfig.ExpireAfter "7d" is not an ISO 8601 duration: write "P7D"',
    );
    const missing = await refusal(definition([train("Train", { CacheConfig: { Enabled: true } })]));
    expect(missing.message).toContain("caching is enabled but CacheConfig has no ExpireAfter");
  });

  it("refuses unknown step types, duplicate names, bad conditions and bad JSON", async () => {
    const unknownType = await refusal(definition([{ Name: "Tune", Type: "Tuning", Arguments: {} }]));
    expect(unknownType.message).toContain('step "Tune" has Type "Tuning"');
    const duplicate = await refusal(definition([lambda("Same", {}), lambda("Same", {})]));
    expect(duplicate.message).toContain('the step name "Same" is used by more than one step');
    const badCondition = await refusal(
      definition([
        {
          Name: "Check",
          Type: "Condition",
          Arguments: { Conditions: [{ Type: "Bigger", LeftValue: 1, RightValue: 2 }] },
        },
      ]),
    );
    expect(badCondition.message).toContain('Conditions[0] has Type "Bigger"');
    const json = await refusal("{ not json");
    expect(json.message).toMatch(/^Unable to parse the pipeline definition as JSON/);
    const defaultType = await refusal(
      definition([lambda("A", {})], [{ Name: "Epochs", Type: "Integer", DefaultValue: "three" }]),
    );
    expect(defaultType.message).toContain('parameter "Epochs" is Integer but its DefaultValue is "three"');
  });

  it("checks UpdatePipeline's definition too, and deletes a pipeline", async () => {
    const error = await sm
      .send(
        new UpdatePipelineCommand({
          PipelineName: "valid-pipeline",
          PipelineDefinition: definition([lambda("A", { n: { Get: "Parameters.Nope" } })]),
        }),
      )
      .then(unexpected, (e: Error) => e);
    expect(error.message).toContain('reads parameter "Nope"');
    await sm.send(
      new UpdatePipelineCommand({ PipelineName: "valid-pipeline", PipelineDescription: "updated" }),
    );
    expect(
      (await sm.send(new DescribePipelineCommand({ PipelineName: "valid-pipeline" }))).PipelineDescription,
    ).toBe("updated");
    await sm.send(new DeletePipelineCommand({ PipelineName: "valid-pipeline" }));
    const gone = await sm
      .send(new DescribePipelineCommand({ PipelineName: "valid-pipeline" }))
      .then(unexpected, (e: Error) => e);
    expect(gone.name).toBe("ResourceNotFound");
    expect(gone.message).toBe(
      `Pipeline 'arn:aws:sagemaker:${server.region}:000000000000:pipeline/valid-pipeline' does not exist.`,
    );
  });
});

describe("ExpireAfter durations", () => {
  it("reads ISO 8601 durations in either case and refuses the rest with a suggestion", () => {
    expect(parseIsoDuration("P30D")).toEqual({ ok: true, ms: 30 * 86_400_000 });
    expect(parseIsoDuration("p30d")).toEqual({ ok: true, ms: 30 * 86_400_000 });
    expect(parseIsoDuration("PT1H")).toEqual({ ok: true, ms: 3_600_000 });
    expect(parseIsoDuration("P4DT12H")).toEqual({ ok: true, ms: 4.5 * 86_400_000 });
    expect(parseIsoDuration("PT2S")).toEqual({ ok: true, ms: 2000 });
    expect(parseIsoDuration("P2W")).toEqual({ ok: true, ms: 14 * 86_400_000 });
    for (const [text, hint] of [
      ["7d", "P7D"],
      ["T12H", "PT12H"],
      ["30dT5h", "P30DT5H"],
    ]) {
      const parsed = parseIsoDuration(text as string);
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? "" : parsed.reason).toContain(`write "${hint}"`);
    }
    for (const text of ["P", "PT", "7 days", "", "P1H"]) expect(parseIsoDuration(text).ok).toBe(false);
  });
});
