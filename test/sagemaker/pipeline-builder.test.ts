import { describe, expect, it } from "vitest";
import { readInput } from "../../src/local/protocol/model";
import { MODELS } from "../../src/local/protocol/models";
import { parseDefinition } from "../../src/local/services/sagemaker/pipelines/definition";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import { HuggingFaceEstimator } from "../../src/sagemaker/estimator";
import { SKLearnProcessor } from "../../src/sagemaker/processor";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import {
  CacheConfig,
  ConditionEquals,
  ConditionGreaterThan,
  ConditionGreaterThanOrEqualTo,
  ConditionIn,
  ConditionLessThan,
  ConditionLessThanOrEqualTo,
  ConditionNot,
  ConditionOr,
  ConditionStep,
  ExecutionVariables,
  FailStep,
  Join,
  JsonGet,
  LambdaOutput,
  LambdaStep,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  ProcessingStep,
  PropertyFile,
  RegisterModel,
  TrainingStep,
} from "../../src/sagemaker/workflow";
import { withPlaceholders } from "../support/pipeline-placeholders";

/**
 * The builder's JSON against definitions written by hand in the format the SageMaker Python SDK documents and
 * writes (`pipeline.definition()`): the same document must go to local SageMaker and to AWS. Nothing is sent: the
 * session is an AWS-mode one with its bucket named, and the code the steps run is already in S3.
 */

const BUCKET = "sagemaker-ap-northeast-2-111122223333";
const ROLE = "arn:aws:iam::111122223333:role/SageMakerWorkshopRole";
const FUNCTION = "arn:aws:lambda:ap-northeast-2:111122223333:function:deploy-model";
const config: WorkshopConfig = {
  mode: "aws",
  region: "ap-northeast-2",
  roleArn: ROLE,
  bucket: BUCKET,
  confirmCosts: false,
};
const session = (): Promise<WorkshopSession> => createSession({ config });

const EXPERIMENT = {
  ExperimentName: { Get: "Execution.PipelineName" },
  TrialName: { Get: "Execution.PipelineExecutionId" },
};

describe("the pipeline builder writes the Python SDK's definition format", () => {
  it("parameters, every condition type, branches of nested steps and the Outcome property", async () => {
    const first = new ParameterInteger({ name: "FirstInt" });
    const second = new ParameterInteger({ name: "SecondInt", defaultValue: 3 });
    const label = new ParameterString({ name: "Label", defaultValue: "positive" });
    const ratio = new ParameterFloat({ name: "Ratio", defaultValue: 0.5 });
    const dryRun = new ParameterBoolean({ name: "DryRun", defaultValue: false });
    const equals = new ConditionEquals({ left: first, right: second });
    const inLabels = new ConditionIn({ value: label, inValues: ["positive", "negative"] });
    const check = new ConditionStep({
      name: "Check",
      conditions: [
        equals,
        new ConditionGreaterThan({ left: ExecutionVariables.START_DATETIME, right: "2026-01-01" }),
        new ConditionGreaterThanOrEqualTo({ left: ratio, right: 0.25 }),
        new ConditionLessThan({ left: first, right: 10 }),
        new ConditionLessThanOrEqualTo({ left: ExecutionVariables.CURRENT_DATETIME, right: label }),
        inLabels,
        new ConditionNot({ expression: equals }),
        new ConditionOr({ conditions: [new ConditionEquals({ left: dryRun, right: true }), inLabels] }),
      ],
      ifSteps: [new FailStep({ name: "Passed", errorMessage: "the conditions held" })],
      elseSteps: [
        new FailStep({
          name: "Stop",
          errorMessage: new Join({
            on: " ",
            values: ["outcome was", ExecutionVariables.PIPELINE_EXECUTION_ID],
          }),
        }),
      ],
    });
    const report = new FailStep({
      name: "Report",
      errorMessage: new Join({ on: ": ", values: ["Condition outcome", check.properties.Outcome] }),
    });
    const pipeline = new Pipeline(await session(), {
      name: "conditions",
      parameters: [first, second, label, ratio, dryRun],
      steps: [check, report],
    });
    const written = JSON.parse(await pipeline.definition());
    expect(written).toEqual({
      Version: "2020-12-01",
      Metadata: {},
      Parameters: [
        { Name: "FirstInt", Type: "Integer" },
        { Name: "SecondInt", Type: "Integer", DefaultValue: 3 },
        { Name: "Label", Type: "String", DefaultValue: "positive" },
        { Name: "Ratio", Type: "Float", DefaultValue: 0.5 },
        { Name: "DryRun", Type: "Boolean", DefaultValue: false },
      ],
      PipelineExperimentConfig: EXPERIMENT,
      Steps: [
        {
          Name: "Check",
          Type: "Condition",
          Arguments: {
            Conditions: [
              {
                Type: "Equals",
                LeftValue: { Get: "Parameters.FirstInt" },
                RightValue: { Get: "Parameters.SecondInt" },
              },
              {
                Type: "GreaterThan",
                LeftValue: { Get: "Execution.StartDateTime" },
                RightValue: "2026-01-01",
              },
              { Type: "GreaterThanOrEqualTo", LeftValue: { Get: "Parameters.Ratio" }, RightValue: 0.25 },
              { Type: "LessThan", LeftValue: { Get: "Parameters.FirstInt" }, RightValue: 10 },
              {
                Type: "LessThanOrEqualTo",
                LeftValue: { Get: "Execution.CurrentDateTime" },
                RightValue: { Get: "Parameters.Label" },
              },
              { Type: "In", QueryValue: { Get: "Parameters.Label" }, Values: ["positive", "negative"] },
              {
                Type: "Not",
                Expression: {
                  Type: "Equals",
                  LeftValue: { Get: "Parameters.FirstInt" },
                  RightValue: { Get: "Parameters.SecondInt" },
                },
              },
              {
                Type: "Or",
                Conditions: [
                  { Type: "Equals", LeftValue: { Get: "Parameters.DryRun" }, RightValue: true },
                  { Type: "In", QueryValue: { Get: "Parameters.Label" }, Values: ["positive", "negative"] },
                ],
              },
            ],
            IfSteps: [{ Name: "Passed", Type: "Fail", Arguments: { ErrorMessage: "the conditions held" } }],
            ElseSteps: [
              {
                Name: "Stop",
                Type: "Fail",
                Arguments: {
                  ErrorMessage: {
                    "Std:Join": {
                      On: " ",
                      Values: ["outcome was", { Get: "Execution.PipelineExecutionId" }],
                    },
                  },
                },
              },
            ],
          },
        },
        {
          Name: "Report",
          Type: "Fail",
          Arguments: {
            ErrorMessage: {
              "Std:Join": { On: ": ", Values: ["Condition outcome", { Get: "Steps.Check.Outcome" }] },
            },
          },
        },
      ],
    });
    // Local SageMaker reads it as AWS would: every reference resolves.
    expect(parseDefinition(JSON.stringify(written)).steps.map((step) => step.name)).toEqual([
      "Check",
      "Passed",
      "Stop",
      "Report",
    ]);
  });

  it("Lambda steps: FunctionArn, OutputParameters, outputs read by the next step, DependsOn", async () => {
    const doubled = new LambdaOutput({ outputName: "doubled", outputType: "Integer" });
    const endpoint = new LambdaOutput({ outputName: "endpoint" });
    const first = new LambdaStep({
      name: "FirstLambda",
      functionArn: FUNCTION,
      inputs: { n: 21, pipeline: ExecutionVariables.PIPELINE_NAME },
      outputs: [doubled, endpoint],
    });
    const second = new LambdaStep({
      name: "SecondLambda",
      functionArn: FUNCTION,
      inputs: { n: doubled, name: first.properties.Outputs.endpoint },
      outputs: [new LambdaOutput({ outputName: "ok", outputType: "Boolean" })],
      dependsOn: [first],
    });
    const pipeline = new Pipeline(await session(), { name: "lambdas", steps: [first, second] });
    const written = JSON.parse(await pipeline.definition());
    expect(written.Steps).toEqual([
      {
        Name: "FirstLambda",
        Type: "Lambda",
        Arguments: { n: 21, pipeline: { Get: "Execution.PipelineName" } },
        FunctionArn: FUNCTION,
        OutputParameters: [
          { OutputName: "doubled", OutputType: "Integer" },
          { OutputName: "endpoint", OutputType: "String" },
        ],
      },
      {
        Name: "SecondLambda",
        Type: "Lambda",
        Arguments: {
          n: { Get: "Steps.FirstLambda.OutputParameters['doubled']" },
          name: { Get: "Steps.FirstLambda.OutputParameters['endpoint']" },
        },
        DependsOn: ["FirstLambda"],
        FunctionArn: FUNCTION,
        OutputParameters: [{ OutputName: "ok", OutputType: "Boolean" }],
      },
    ]);
    expect(written.Parameters).toEqual([]);
    expect(() => parseDefinition(JSON.stringify(written))).not.toThrow();
  });

  it("processing and training steps: properties as Get paths, JsonGet on a property file, Std:Join hyperparameters, CacheConfig", async () => {
    const s = await session();
    const epochs = new ParameterInteger({ name: "Epochs", defaultValue: 2 });
    const inputData = new ParameterString({ name: "InputData", defaultValue: `s3://${BUCKET}/nsmc/raw` });
    const threshold = new ParameterFloat({ name: "AccuracyThreshold", defaultValue: 0.8 });
    const cache = new CacheConfig({ enableCaching: true, expireAfter: "P30D" });
    const processor = new SKLearnProcessor(s, {
      instanceType: "ml.m5.xlarge",
      baseJobName: "nsmc-prepare",
      frameworkVersion: "1.2-1",
    });
    const prepare = new ProcessingStep({
      name: "Prepare",
      processor,
      code: `s3://${BUCKET}/code/preprocess.py`,
      inputs: [{ source: inputData, destination: "/opt/ml/processing/input", inputName: "raw" }],
      outputs: [
        { outputName: "train", source: "/opt/ml/processing/train" },
        { outputName: "test", source: "/opt/ml/processing/test", destination: `s3://${BUCKET}/fixed/test` },
      ],
      jobArguments: ["--validation-fraction", "0.1"],
      cacheConfig: cache,
    });
    const estimator = new HuggingFaceEstimator(s, {
      entryPoint: "train.py",
      sourceDir: `s3://${BUCKET}/code/sourcedir.tar.gz`,
      instanceType: "ml.g5.xlarge",
      baseJobName: "nsmc-sentiment",
      hyperparameters: { model_id: "monologg/koelectra-small-v3-discriminator" },
      metricDefinitions: [{ Name: "eval_accuracy", Regex: "eval_accuracy=([0-9.]+);" }],
      lab: "5.3",
    });
    const train = new TrainingStep({
      name: "Train",
      estimator,
      inputs: { train: prepare.properties.ProcessingOutputConfig.Outputs.train.S3Output.S3Uri },
      hyperparameters: { epochs },
      cacheConfig: cache,
    });
    const report = new PropertyFile({
      name: "EvaluationReport",
      outputName: "evaluation",
      path: "evaluation.json",
    });
    const evaluate = new ProcessingStep({
      name: "Evaluate",
      processor,
      code: `s3://${BUCKET}/code/evaluate.py`,
      inputs: [
        { source: train.properties.ModelArtifacts.S3ModelArtifacts, destination: "/opt/ml/processing/model" },
      ],
      outputs: [{ outputName: "evaluation", source: "/opt/ml/processing/evaluation" }],
      propertyFiles: [report],
    });
    const accuracy = new JsonGet({
      step: evaluate,
      propertyFile: report,
      jsonPath: "metrics.accuracy.value",
    });
    const register = new RegisterModel({
      name: "Register",
      imageUri:
        "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-inference:2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04",
      modelData: train.properties.ModelArtifacts.S3ModelArtifacts,
      modelPackageGroupName: "nsmc-sentiment",
      contentTypes: ["application/json"],
      responseTypes: ["application/json"],
      inferenceInstances: ["ml.m5.xlarge"],
      customerMetadataProperties: { accuracy },
    });
    const pipeline = new Pipeline(s, {
      name: "nsmc",
      parameters: [epochs, inputData, threshold],
      steps: [
        prepare,
        train,
        evaluate,
        new ConditionStep({
          name: "Check",
          conditions: [new ConditionGreaterThanOrEqualTo({ left: accuracy, right: threshold })],
          ifSteps: [register],
        }),
      ],
    });
    const written = JSON.parse(await pipeline.definition());
    const [prepareStep, trainStep, evaluateStep, checkStep] = written.Steps;
    const sklearn = "366743142698.dkr.ecr.ap-northeast-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
    expect(prepareStep).toEqual({
      Name: "Prepare",
      Type: "Processing",
      Arguments: {
        ProcessingResources: {
          ClusterConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
        },
        AppSpecification: {
          ImageUri: sklearn,
          ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/preprocess.py"],
          ContainerArguments: ["--validation-fraction", "0.1"],
        },
        RoleArn: ROLE,
        ProcessingInputs: [
          {
            InputName: "raw",
            AppManaged: false,
            S3Input: {
              S3Uri: { Get: "Parameters.InputData" },
              LocalPath: "/opt/ml/processing/input",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
              S3DataDistributionType: "FullyReplicated",
            },
          },
          {
            InputName: "code",
            AppManaged: false,
            S3Input: {
              S3Uri: `s3://${BUCKET}/code/preprocess.py`,
              LocalPath: "/opt/ml/processing/input/code",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
              S3DataDistributionType: "FullyReplicated",
            },
          },
        ],
        ProcessingOutputConfig: {
          Outputs: [
            {
              OutputName: "train",
              AppManaged: false,
              S3Output: {
                S3Uri: {
                  "Std:Join": {
                    On: "/",
                    Values: [
                      "s3:/",
                      BUCKET,
                      "nsmc",
                      { Get: "Execution.PipelineExecutionId" },
                      "Prepare",
                      "output",
                      "train",
                    ],
                  },
                },
                LocalPath: "/opt/ml/processing/train",
                S3UploadMode: "EndOfJob",
              },
            },
            {
              OutputName: "test",
              AppManaged: false,
              S3Output: {
                S3Uri: `s3://${BUCKET}/fixed/test`,
                LocalPath: "/opt/ml/processing/test",
                S3UploadMode: "EndOfJob",
              },
            },
          ],
        },
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        Tags: [{ Key: "ko-sagemaker:workshop", Value: "true" }],
      },
      CacheConfig: { Enabled: true, ExpireAfter: "P30D" },
    });
    expect(trainStep.Name).toBe("Train");
    expect(trainStep.Type).toBe("Training");
    expect(trainStep.CacheConfig).toEqual({ Enabled: true, ExpireAfter: "P30D" });
    expect(trainStep.Arguments.TrainingJobName).toBeUndefined();
    expect(trainStep.Arguments.InputDataConfig).toEqual([
      {
        ChannelName: "train",
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: { Get: "Steps.Prepare.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" },
            S3DataDistributionType: "FullyReplicated",
          },
        },
      },
    ]);
    expect(trainStep.Arguments.HyperParameters).toMatchObject({
      epochs: { "Std:Join": { On: "", Values: [{ Get: "Parameters.Epochs" }] } },
      model_id: '"monologg/koelectra-small-v3-discriminator"',
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: `"s3://${BUCKET}/code/sourcedir.tar.gz"`,
      sagemaker_job_name: '"nsmc-sentiment"',
    });
    expect(evaluateStep.Arguments.ProcessingInputs[0].S3Input.S3Uri).toEqual({
      Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts",
    });
    expect(evaluateStep.PropertyFiles).toEqual([
      { PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "evaluation.json" },
    ]);
    const jsonGet = {
      "Std:JsonGet": {
        PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" },
        Path: "metrics.accuracy.value",
      },
    };
    expect(checkStep.Arguments.Conditions).toEqual([
      {
        Type: "GreaterThanOrEqualTo",
        LeftValue: jsonGet,
        RightValue: { Get: "Parameters.AccuracyThreshold" },
      },
    ]);
    const registerStep = checkStep.Arguments.IfSteps[0];
    expect(registerStep).toMatchObject({
      Name: "Register",
      Type: "RegisterModel",
      Arguments: {
        ModelPackageGroupName: "nsmc-sentiment",
        ModelApprovalStatus: "PendingManualApproval",
        InferenceSpecification: {
          Containers: [{ ModelDataUrl: { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" } }],
          SupportedContentTypes: ["application/json"],
          SupportedResponseMIMETypes: ["application/json"],
          SupportedRealtimeInferenceInstanceTypes: ["ml.m5.xlarge"],
        },
        CustomerMetadataProperties: { accuracy: { "Std:Join": { On: "", Values: [jsonGet] } } },
      },
    });
    // The same document is a valid pipeline for local SageMaker, and each step's Arguments are a valid request once
    // the expressions have values (here: a placeholder of the member's kind).
    expect(() => parseDefinition(JSON.stringify(written))).not.toThrow();
    for (const [operation, step] of [
      ["CreateProcessingJob", prepareStep],
      ["CreateTrainingJob", trainStep],
      ["CreateProcessingJob", evaluateStep],
      ["CreateModelPackage", registerStep],
    ] as const) {
      const request = withPlaceholders(step.Arguments) as Record<string, unknown>;
      const named =
        operation === "CreateTrainingJob"
          ? { ...request, TrainingJobName: "pipelines-abc-Train-x" }
          : operation === "CreateProcessingJob"
            ? { ...request, ProcessingJobName: "pipelines-abc-Prepare-x" }
            : request;
      expect(() =>
        readInput(MODELS.sagemaker, operation, named, { validationCode: "ValidationException" }),
      ).not.toThrow();
    }
  });

  it("refuses what the definition cannot hold: unknown properties, bad ExpireAfter, missing steps", async () => {
    const s = await session();
    const estimator = new HuggingFaceEstimator(s, {
      entryPoint: "train.py",
      sourceDir: `s3://${BUCKET}/code/sourcedir.tar.gz`,
      instanceType: "ml.g5.xlarge",
    });
    const train = new TrainingStep({ name: "Train", estimator, inputs: {} });
    expect(() => (train.properties as unknown as Record<string, unknown>).ModelArtifact).toThrow(
      /Steps\.Train \(DescribeTrainingJobResponse\) has no property "ModelArtifact"; its properties: .*ModelArtifacts/,
    );
    expect(train.properties.FinalMetricDataList.eval_accuracy.Value.expr).toEqual({
      Get: "Steps.Train.FinalMetricDataList['eval_accuracy'].Value",
    });
    expect(train.properties.SecondaryStatusTransitions[0].Status.expr).toEqual({
      Get: "Steps.Train.SecondaryStatusTransitions[0].Status",
    });
    expect(() => new CacheConfig({ enableCaching: true, expireAfter: "7d" })).toThrow(
      /"7d" is not an ISO 8601 duration: write "P7D"/,
    );
    const orphan = new LambdaStep({
      name: "Deploy",
      functionArn: FUNCTION,
      inputs: { model: train.properties.ModelArtifacts.S3ModelArtifacts },
    });
    const pipeline = new Pipeline(s, { name: "missing", steps: [orphan] });
    await expect(pipeline.definition()).rejects.toThrow(
      /refers to step Train, which is not among its steps \(Deploy\)/,
    );
    expect(String(train.properties.ModelArtifacts.S3ModelArtifacts)).toMatch(
      /has a value only when the pipeline runs/,
    );
  });
});
