import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreatePipelineCommand,
  DescribeExperimentCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribePipelineDefinitionForExecutionCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListModelPackagesCommand,
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
  ListTrialComponentsCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  UpdatePipelineCommand,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";
import { KEYWORD_MODEL } from "./hosting-fixtures";
import {
  archiveOf,
  createPipeline,
  createStepFunction,
  definition,
  INFERENCE_IMAGE,
  type Json,
  LambdaClient,
  putObject,
  ROLE,
  start,
  stepsOf,
  TRAIN_SCRIPT,
  trainingArguments,
  waitForExecution,
} from "./pipeline-fixtures";

/**
 * Pipeline executions through the official clients: every step type running against the real services (training
 * jobs, models, transform jobs, the registry, Lambda), references between steps, conditions both ways, caching (hits,
 * misses, expiry), parallel steps, a stop and a failing step. The restart rule has its own suite.
 */

const BUCKET = "pipeline-tests";
/** A resource's name from its ARN (or an execution id from an execution ARN). */
const lastPart = (arn: string | undefined): string => (arn ?? "").split("/").at(-1) ?? "";
let server: LocalServer;
let stateDir: string;
let sm: SageMakerClient;
let s3: S3Client;
let lambda: LambdaClient;
let functionArn: string;
let sourceDir: string;
let trainData: string;
let modelData: string;
let transformInput: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "local-sagemaker-pipelines-"));
  server = await startLocalServer({ port: 0, stateDir, settings: { stopGraceMs: 1000 } });
  const config = clientConfig(server);
  sm = new SageMakerClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  lambda = new LambdaClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  sourceDir = await putObject(
    s3,
    BUCKET,
    "code/sourcedir.tar.gz",
    await archiveOf({ "train.js": TRAIN_SCRIPT }),
  );
  await putObject(s3, BUCKET, "data/train/train.tsv", "좋아요\t1\n별로\t0\n최고\t1\n");
  trainData = `s3://${BUCKET}/data/train`;
  modelData = await putObject(
    s3,
    BUCKET,
    "keyword-model/model.tar.gz",
    await archiveOf({ "config.json": "{}", "code/inference.ts": KEYWORD_MODEL }),
  );
  await putObject(s3, BUCKET, "batch/input.jsonl", '{"inputs": "정말 좋아요"}\n{"inputs": "별로예요"}\n');
  transformInput = `s3://${BUCKET}/batch`;
  functionArn = await createStepFunction(lambda, "pipeline-step");
});

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const trainStep = (name: string, hyperparameters: Json, extra: Json = {}): Json => ({
  Name: name,
  Type: "Training",
  Arguments: trainingArguments({
    bucket: BUCKET,
    sourceDir,
    train: { Get: "Parameters.InputData" },
    hyperparameters,
  }),
  ...extra,
});

const lambdaStep = (name: string, args: Json, extra: Json = {}): Json => ({
  Name: name,
  Type: "Lambda",
  FunctionArn: functionArn,
  OutputParameters: [
    { OutputName: "doubled", OutputType: "Integer" },
    { OutputName: "label", OutputType: "String" },
  ],
  Arguments: args,
  ...extra,
});

const PARAMETERS = [
  { Name: "Epochs", Type: "Integer", DefaultValue: 2 },
  { Name: "Threshold", Type: "Float", DefaultValue: 0.5 },
  { Name: "InputData", Type: "String", DefaultValue: "" },
  { Name: "ModelData", Type: "String", DefaultValue: "" },
];

/** Every step type in one pipeline: the lab's shape, with a model and a batch transform beside it. */
function fullPipeline(): string {
  const accuracy = { Get: "Steps.Train.FinalMetricDataList['eval_accuracy'].Value" };
  return definition(
    [
      trainStep(
        "Train",
        { epochs: { "Std:Join": { On: "", Values: [{ Get: "Parameters.Epochs" }] } } },
        { CacheConfig: { Enabled: true, ExpireAfter: "PT1H" } },
      ),
      {
        Name: "CreateModel",
        Type: "Model",
        Arguments: {
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: INFERENCE_IMAGE, ModelDataUrl: { Get: "Parameters.ModelData" } },
        },
      },
      {
        Name: "Batch",
        Type: "Transform",
        Arguments: {
          ModelName: { Get: "Steps.CreateModel.ModelName" },
          TransformInput: {
            DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: transformInput } },
            ContentType: "application/json",
            SplitType: "Line",
          },
          TransformOutput: {
            S3OutputPath: {
              "Std:Join": {
                On: "/",
                Values: [`s3://${BUCKET}/transform`, { Get: "Execution.PipelineExecutionId" }],
              },
            },
            AssembleWith: "Line",
          },
          TransformResources: { InstanceCount: 1, InstanceType: "ml.m5.xlarge" },
          BatchStrategy: "SingleRecord",
        },
      },
      {
        Name: "Register",
        Type: "RegisterModel",
        Arguments: {
          ModelPackageGroupName: "pipeline-group",
          InferenceSpecification: {
            Containers: [
              {
                Image: INFERENCE_IMAGE,
                ModelDataUrl: { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" },
              },
            ],
            SupportedContentTypes: ["application/json"],
            SupportedResponseMIMETypes: ["application/json"],
          },
          ModelApprovalStatus: "PendingManualApproval",
          CustomerMetadataProperties: { accuracy: { "Std:Join": { On: "", Values: [accuracy] } } },
        },
      },
      {
        Name: "Check",
        Type: "Condition",
        Arguments: {
          Conditions: [
            {
              Type: "GreaterThanOrEqualTo",
              LeftValue: accuracy,
              RightValue: { Get: "Parameters.Threshold" },
            },
          ],
          IfSteps: [
            lambdaStep("Notify", {
              n: { Get: "Parameters.Epochs" },
              package: { Get: "Steps.Register.ModelPackageArn" },
            }),
          ],
          ElseSteps: [
            {
              Name: "TooLow",
              Type: "Fail",
              Arguments: {
                ErrorMessage: {
                  "Std:Join": {
                    On: " ",
                    Values: ["accuracy", accuracy, "is below", { Get: "Parameters.Threshold" }],
                  },
                },
              },
            },
          ],
        },
      },
      lambdaStep("Report", { n: { Get: "Steps.Notify.OutputParameters['doubled']" } }),
    ],
    PARAMETERS,
  );
}

let firstArn: string;

describe("an execution with every step type", () => {
  it("runs Training, Model, Transform, RegisterModel, Condition and Lambda steps, each as a resource you can describe", async () => {
    await createPipeline(sm, "full", fullPipeline());
    firstArn = await start(sm, "full", { InputData: trainData, ModelData: modelData });
    expect(firstArn).toMatch(
      new RegExp(`^arn:aws:sagemaker:${server.region}:000000000000:pipeline/full/execution/[a-z0-9]{12}$`),
    );
    const execution = await waitForExecution(sm, firstArn);
    const steps = await stepsOf(sm, firstArn);
    expect(execution.PipelineExecutionStatus, JSON.stringify(steps, null, 1)).toBe("Succeeded");
    const executionId = firstArn.split("/").at(-1) as string;
    expect(execution.PipelineExperimentConfig).toEqual({ ExperimentName: "full", TrialName: executionId });
    expect(Object.keys(steps).sort()).toEqual([
      "Batch",
      "Check",
      "CreateModel",
      "Notify",
      "Register",
      "Report",
      "Train",
    ]);
    for (const step of Object.values(steps)) {
      expect(step.StepStatus).toBe("Succeeded");
      expect(step.AttemptCount).toBe(1);
      expect((step.EndTime as Date).getTime()).toBeGreaterThanOrEqual((step.StartTime as Date).getTime());
    }

    // Jobs and models carry SageMaker's pipeline names and are described like any other.
    const trainingArn = steps.Train?.Metadata?.TrainingJob?.Arn as string;
    const trainingName = trainingArn.split("/").at(-1) as string;
    expect(trainingName).toMatch(new RegExp(`^pipelines-${executionId}-train-[a-z0-9]{10}$`, "i"));
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingName }));
    expect(job.TrainingJobStatus).toBe("Completed");
    expect(job.HyperParameters?.epochs).toBe("2");
    expect(job.FinalMetricDataList?.[0]).toMatchObject({ MetricName: "eval_accuracy", Value: 0.82 });
    const modelName = lastPart(steps.CreateModel?.Metadata?.Model?.Arn);
    const model = await sm.send(new DescribeModelCommand({ ModelName: modelName }));
    expect(model.PrimaryContainer?.ModelDataUrl).toBe(modelData);
    const transformName = lastPart(steps.Batch?.Metadata?.TransformJob?.Arn);
    const transform = await sm.send(new DescribeTransformJobCommand({ TransformJobName: transformName }));
    expect(transform.ModelName?.toLowerCase()).toBe(modelName);
    expect(transform.TransformOutput?.S3OutputPath).toBe(`s3://${BUCKET}/transform/${executionId}`);
    const output = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `transform/${executionId}/input.jsonl.out` }),
    );
    expect(await output.Body?.transformToString()).toContain("positive");

    // The registry got a version in a group the step created, with the metric evaluated into its metadata.
    const packageArn = steps.Register?.Metadata?.RegisterModel?.Arn as string;
    expect(packageArn).toMatch(/model-package\/pipeline-group\/1$/);
    const registered = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
    expect(registered).toMatchObject({
      ModelApprovalStatus: "PendingManualApproval",
      CustomerMetadataProperties: { accuracy: "0.82" },
    });
    expect(registered.InferenceSpecification?.Containers?.[0]?.ModelDataUrl).toBe(
      job.ModelArtifacts?.S3ModelArtifacts,
    );

    // Condition outcome, Lambda outputs (typed, then read by the next Lambda step).
    expect(steps.Check?.Metadata).toEqual({ Condition: { Outcome: "True" } });
    expect(steps.Notify?.Metadata?.Lambda).toEqual({
      Arn: functionArn,
      OutputParameters: [
        { Name: "doubled", Value: "4" },
        { Name: "label", Value: "n=2" },
      ],
    });
    expect(steps.Report?.Metadata?.Lambda?.OutputParameters?.[0]).toEqual({ Name: "doubled", Value: "8" });
    // Steps started in dependency order.
    const started = (name: string) => steps[name]?.StartTime?.getTime() ?? 0;
    expect(started("Report")).toBeGreaterThanOrEqual(started("Notify"));
    expect(started("Notify")).toBeGreaterThanOrEqual(started("Check"));
    expect(started("Check")).toBeGreaterThanOrEqual(started("Train"));

    const parameters = await sm.send(
      new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: firstArn }),
    );
    expect(parameters.PipelineParameters).toEqual([
      { Name: "Epochs", Value: "2" },
      { Name: "Threshold", Value: "0.5" },
      { Name: "InputData", Value: trainData },
      { Name: "ModelData", Value: modelData },
    ]);
    const snapshot = await sm.send(
      new DescribePipelineDefinitionForExecutionCommand({ PipelineExecutionArn: firstArn }),
    );
    expect(snapshot.PipelineDefinition).toBe(fullPipeline());
  }, 120_000);

  it("takes the else branch when the condition is false: the Fail step's message fails the execution", async () => {
    const arn = await start(sm, "full", { InputData: trainData, ModelData: modelData, Threshold: 0.99 });
    const execution = await waitForExecution(sm, arn);
    const steps = await stepsOf(sm, arn);
    expect(execution.PipelineExecutionStatus).toBe("Failed");
    expect(execution.FailureReason).toMatch(/^Step failure: One or multiple steps failed\./);
    expect(execution.FailureReason).toContain("accuracy 0.82 is below 0.99");
    expect(steps.Check?.Metadata).toEqual({ Condition: { Outcome: "False" } });
    expect(steps.TooLow).toMatchObject({
      StepStatus: "Failed",
      FailureReason: "accuracy 0.82 is below 0.99",
      Metadata: { Fail: { ErrorMessage: "accuracy 0.82 is below 0.99" } },
    });
    // The other branch and what follows it never started.
    expect(steps.Notify).toBeUndefined();
    expect(steps.Report).toBeUndefined();
    // Same parameters for the training step: it came from the first run's cache.
    expect(steps.Train?.CacheHitResult).toEqual({ SourcePipelineExecutionArn: firstArn });
    const first = await stepsOf(sm, firstArn);
    expect(steps.Train?.Metadata?.TrainingJob?.Arn).toBe(first.Train?.Metadata?.TrainingJob?.Arn);
    // Model and Transform steps are not cacheable types: they ran again.
    expect(steps.CreateModel?.Metadata?.Model?.Arn).not.toBe(first.CreateModel?.Metadata?.Model?.Arn);
  }, 120_000);

  it("runs a step again when a parameter it reads changes, and only the steps that read it", async () => {
    const arn = await start(sm, "full", { InputData: trainData, ModelData: modelData, Epochs: 3 });
    const execution = await waitForExecution(sm, arn);
    expect(execution.PipelineExecutionStatus).toBe("Succeeded");
    const steps = await stepsOf(sm, arn);
    expect(steps.Train?.CacheHitResult).toBeUndefined();
    const jobName = lastPart(steps.Train?.Metadata?.TrainingJob?.Arn);
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
    expect(job.HyperParameters?.epochs).toBe("3");
    expect(steps.Notify?.Metadata?.Lambda?.OutputParameters?.[0]).toEqual({ Name: "doubled", Value: "6" });
    const versions = await sm.send(new ListModelPackagesCommand({ ModelPackageGroupName: "pipeline-group" }));
    expect(versions.ModelPackageSummaryList?.length).toBe(3);
    const listed = await sm.send(
      new ListPipelineExecutionsCommand({ PipelineName: "full", SortOrder: "Ascending" }),
    );
    expect(listed.PipelineExecutionSummaries?.map((summary) => summary.PipelineExecutionStatus)).toEqual([
      "Succeeded",
      "Failed",
      "Succeeded",
    ]);
  }, 120_000);

  it("answers a repeated ClientRequestToken with the same execution", async () => {
    const request = {
      PipelineName: "full",
      ClientRequestToken: "a-token-of-at-least-thirty-two-characters-1",
      PipelineParameters: [
        { Name: "InputData", Value: trainData },
        { Name: "ModelData", Value: modelData },
      ],
    };
    const first = await sm.send(new StartPipelineExecutionCommand(request));
    const second = await sm.send(new StartPipelineExecutionCommand(request));
    expect(second.PipelineExecutionArn).toBe(first.PipelineExecutionArn);
    await waitForExecution(sm, first.PipelineExecutionArn as string);
  }, 120_000);

  it("refuses parameters the definition does not declare or whose value is not of its type", async () => {
    const unknown = await start(sm, "full", { Epoch: 3 }).then(
      () => new Error("answered"),
      (error: Error) => error,
    );
    expect(unknown.message).toContain("Parameter Epoch is not declared");
    const wrongType = await start(sm, "full", { Epochs: "three" }).then(
      () => new Error("answered"),
      (error: Error) => error,
    );
    expect(wrongType.message).toBe('Parameter Epochs is Integer; its value "three" is not one.');
  });
});

/** An evaluation script of the kind the workshops write: counts the rows it was given, writes evaluation.json. */
const EVALUATE_SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf("--" + name) + 1];
const rows = fs.readFileSync(path.join(arg("data"), "train.tsv"), "utf8").trim().split("\\n").length;
fs.mkdirSync(arg("output"), { recursive: true });
fs.writeFileSync(path.join(arg("output"), "evaluation.json"), JSON.stringify({ metrics: { accuracy: { value: 0.9 } }, rows }));
console.log("wrote evaluation.json for " + rows + " rows");
`;

describe("processing steps, property files and experiments", () => {
  it("runs a Processing step, reads its property file with Std:JsonGet, and files the jobs under the execution's trial", async () => {
    const code = await putObject(s3, BUCKET, "eval-code/evaluate.js", EVALUATE_SCRIPT);
    const accuracy = {
      "Std:JsonGet": {
        PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" },
        Path: "metrics.accuracy.value",
      },
    };
    await createPipeline(
      sm,
      "evaluating",
      definition(
        [
          trainStep("Train", {}),
          {
            Name: "Evaluate",
            Type: "Processing",
            Arguments: {
              ProcessingResources: {
                ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
              },
              AppSpecification: {
                ImageUri:
                  "366743142698.dkr.ecr.ap-northeast-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                ContainerEntrypoint: ["node", "/opt/ml/processing/input/code/evaluate.js"],
                ContainerArguments: [
                  "--data",
                  "/opt/ml/processing/data",
                  "--output",
                  "/opt/ml/processing/evaluation",
                ],
              },
              RoleArn: ROLE,
              ProcessingInputs: [
                {
                  InputName: "data",
                  S3Input: {
                    S3Uri: { Get: "Parameters.InputData" },
                    LocalPath: "/opt/ml/processing/data",
                    S3DataType: "S3Prefix",
                    S3InputMode: "File",
                  },
                },
                {
                  InputName: "model",
                  S3Input: {
                    S3Uri: { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" },
                    LocalPath: "/opt/ml/processing/model",
                    S3DataType: "S3Prefix",
                    S3InputMode: "File",
                  },
                },
                {
                  InputName: "code",
                  S3Input: {
                    S3Uri: code,
                    LocalPath: "/opt/ml/processing/input/code",
                    S3DataType: "S3Prefix",
                    S3InputMode: "File",
                  },
                },
              ],
              ProcessingOutputConfig: {
                Outputs: [
                  {
                    OutputName: "evaluation",
                    S3Output: {
                      S3Uri: {
                        "Std:Join": {
                          On: "/",
                          Values: [`s3://${BUCKET}/evaluation`, { Get: "Execution.PipelineExecutionId" }],
                        },
                      },
                      LocalPath: "/opt/ml/processing/evaluation",
                      S3UploadMode: "EndOfJob",
                    },
                  },
                ],
              },
            },
            CacheConfig: { Enabled: true, ExpireAfter: "P30D" },
            PropertyFiles: [
              { PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "evaluation.json" },
            ],
          },
          {
            Name: "Gate",
            Type: "Condition",
            Arguments: {
              Conditions: [{ Type: "GreaterThanOrEqualTo", LeftValue: accuracy, RightValue: 0.85 }],
              IfSteps: [
                lambdaStep("Announce", {
                  n: {
                    "Std:JsonGet": {
                      PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" },
                      Path: "rows",
                    },
                  },
                }),
              ],
            },
          },
        ],
        [{ Name: "InputData", Type: "String", DefaultValue: trainData }],
      ),
    );
    const arn = await start(sm, "evaluating");
    const execution = await waitForExecution(sm, arn);
    const steps = await stepsOf(sm, arn);
    expect(execution.PipelineExecutionStatus, JSON.stringify(steps, null, 1)).toBe("Succeeded");
    const processingName = lastPart(steps.Evaluate?.Metadata?.ProcessingJob?.Arn);
    const job = await sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: processingName }));
    expect(job.ProcessingJobStatus).toBe("Completed");
    expect(job.ProcessingOutputConfig?.Outputs?.[0]?.S3Output?.S3Uri).toBe(
      `s3://${BUCKET}/evaluation/${lastPart(arn)}`,
    );
    expect(steps.Gate?.Metadata).toEqual({ Condition: { Outcome: "True" } });
    expect(steps.Announce?.Metadata?.Lambda?.OutputParameters?.[0]).toEqual({ Name: "doubled", Value: "6" });

    // PipelineExperimentConfig: the pipeline's experiment, the execution's trial, one component per job.
    expect(execution.PipelineExperimentConfig).toEqual({
      ExperimentName: "evaluating",
      TrialName: lastPart(arn),
    });
    await sm.send(new DescribeExperimentCommand({ ExperimentName: "evaluating" }));
    const components = await sm.send(new ListTrialComponentsCommand({ TrialName: lastPart(arn) }));
    expect(
      (components.TrialComponentSummaries ?? [])
        .map((component) => [component.DisplayName, component.TrialComponentSource?.SourceType])
        .sort(),
    ).toEqual([
      ["Evaluate", "SageMakerProcessingJob"],
      ["Train", "SageMakerTrainingJob"],
    ]);

    // Train is not cached, so its new model artifact is a new input: the evaluation runs again despite its cache.
    const again = await start(sm, "evaluating");
    await waitForExecution(sm, again);
    const second = await stepsOf(sm, again);
    expect(second.Train?.CacheHitResult).toBeUndefined();
    expect(second.Evaluate?.CacheHitResult).toBeUndefined();
  }, 120_000);
});

describe("caching", () => {
  it("reuses a run within ExpireAfter and runs the step again once it has expired", async () => {
    await createPipeline(
      sm,
      "expiring",
      definition(
        [trainStep("Train", {}, { CacheConfig: { Enabled: true, ExpireAfter: "PT3S" } })],
        [{ Name: "InputData", Type: "String", DefaultValue: trainData }],
      ),
    );
    const first = await start(sm, "expiring");
    await waitForExecution(sm, first);
    const second = await start(sm, "expiring");
    await waitForExecution(sm, second);
    expect((await stepsOf(sm, second)).Train?.CacheHitResult).toEqual({ SourcePipelineExecutionArn: first });
    const ended = (await stepsOf(sm, first)).Train?.EndTime?.getTime() ?? 0;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ended + 3_300 - Date.now())));
    const third = await start(sm, "expiring");
    await waitForExecution(sm, third);
    const steps = await stepsOf(sm, third);
    expect(steps.Train?.StepStatus).toBe("Succeeded");
    expect(steps.Train?.CacheHitResult).toBeUndefined();
  }, 60_000);

  it("does not cache a step whose CacheConfig is disabled", async () => {
    await sm.send(
      new UpdatePipelineCommand({
        PipelineName: "expiring",
        PipelineDefinition: definition(
          [trainStep("Train", {}, { CacheConfig: { Enabled: false, ExpireAfter: "PT1H" } })],
          [{ Name: "InputData", Type: "String", DefaultValue: trainData }],
        ),
      }),
    );
    const arn = await start(sm, "expiring");
    await waitForExecution(sm, arn);
    expect((await stepsOf(sm, arn)).Train?.CacheHitResult).toBeUndefined();
  }, 60_000);
});

describe("parallel steps", () => {
  const overlap = (steps: Record<string, { StartTime?: Date; EndTime?: Date }>): number => {
    const events = Object.values(steps).flatMap((step) => [
      { at: (step.StartTime as Date).getTime(), delta: 1 },
      { at: (step.EndTime as Date).getTime(), delta: -1 },
    ]);
    events.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let most = 0;
    for (const event of events) {
      running += event.delta;
      most = Math.max(most, running);
    }
    return most;
  };

  it("runs independent steps at once, up to MaxParallelExecutionSteps", async () => {
    const body = definition(
      ["A", "B", "C"].map((name, i) => lambdaStep(name, { n: i, sleepMs: 700 })),
      [],
    );
    await sm.send(
      new CreatePipelineCommand({
        PipelineName: "parallel",
        PipelineDefinition: body,
        RoleArn: ROLE,
        ParallelismConfiguration: { MaxParallelExecutionSteps: 2 },
      }),
    );
    const limited = await start(sm, "parallel");
    await waitForExecution(sm, limited);
    expect(overlap(await stepsOf(sm, limited))).toBe(2);
    const wide = await sm.send(
      new StartPipelineExecutionCommand({
        PipelineName: "parallel",
        ParallelismConfiguration: { MaxParallelExecutionSteps: 3 },
      }),
    );
    await waitForExecution(sm, wide.PipelineExecutionArn as string);
    expect(overlap(await stepsOf(sm, wide.PipelineExecutionArn as string))).toBe(3);
  }, 60_000);
});

describe("stop and failure", () => {
  it("stops a running execution: its training job is stopped and nothing after it starts", async () => {
    await createPipeline(
      sm,
      "stoppable",
      definition(
        [
          trainStep("Train", { sleep_ms: '"30000"' }),
          lambdaStep("After", { n: 1 }, { DependsOn: ["Train"] }),
        ],
        [{ Name: "InputData", Type: "String", DefaultValue: trainData }],
      ),
    );
    const arn = await start(sm, "stoppable");
    const deadline = Date.now() + 30_000;
    let steps = await stepsOf(sm, arn);
    while (steps.Train?.StepStatus !== "Executing" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      steps = await stepsOf(sm, arn);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the script start
    const stopped = await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(stopped.PipelineExecutionArn).toBe(arn);
    const execution = await waitForExecution(sm, arn, 30_000);
    expect(execution.PipelineExecutionStatus).toBe("Stopped");
    steps = await stepsOf(sm, arn);
    expect(steps.Train?.StepStatus).toBe("Stopped");
    expect(steps.After).toBeUndefined();
    const jobName = lastPart(steps.Train?.Metadata?.TrainingJob?.Arn);
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
    expect(job.TrainingJobStatus).toBe("Stopped");
    const again = await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: arn })).then(
      () => new Error("answered"),
      (error: Error) => error,
    );
    expect(again.name).toBe("ConflictException");
  }, 60_000);

  it("fails the execution when a step fails, with the job's reason, and starts nothing after it", async () => {
    await createPipeline(
      sm,
      "failing",
      definition(
        [
          trainStep("Train", { fail: '"true"' }),
          lambdaStep("After", { n: { Get: "Steps.Train.TrainingJobName" } }),
        ],
        [{ Name: "InputData", Type: "String", DefaultValue: trainData }],
      ),
    );
    const arn = await start(sm, "failing");
    const execution = await waitForExecution(sm, arn);
    const steps = await stepsOf(sm, arn);
    expect(execution.PipelineExecutionStatus).toBe("Failed");
    expect(steps.Train?.StepStatus).toBe("Failed");
    expect(steps.Train?.FailureReason).toContain("ValueError: asked to fail");
    expect(execution.FailureReason).toContain("Train (Training): ");
    expect(steps.After).toBeUndefined();
  }, 60_000);

  it("fails a step whose arguments are not a valid request, with the front end's message", async () => {
    await createPipeline(
      sm,
      "invalid-arguments",
      definition([
        {
          Name: "BadModel",
          Type: "Model",
          Arguments: { ExecutionRoleArn: "not-a-role", PrimaryContainer: { Image: INFERENCE_IMAGE } },
        },
      ]),
    );
    const arn = await start(sm, "invalid-arguments");
    await waitForExecution(sm, arn);
    const steps = await stepsOf(sm, arn);
    expect(steps.BadModel?.StepStatus).toBe("Failed");
    expect(steps.BadModel?.FailureReason).toMatch(
      /^ValidationException: 2 validation errors detected: Value 'not-a-role' at 'executionRoleArn'/,
    );
  });
});
