import { describe, expect, it } from "vitest";
import { uploadPreparedData } from "../../src/labs";
import { readInput } from "../../src/local/protocol/model";
import { MODELS } from "../../src/local/protocol/models";

/** What local SageMaker (and the AWS front end) check a request against: its Smithy input shape. */
const validateSageMakerInput = (operation: string, input: unknown) =>
  readInput(MODELS.sagemaker, operation, input, { validationCode: "ValidationException" });

import { AsyncPredictor } from "../../src/sagemaker/async-predictor";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import { CostConsentError } from "../../src/sagemaker/cost";
import { buildTrainingJobRequest, HuggingFaceEstimator } from "../../src/sagemaker/estimator";
import {
  buildCreateEndpointRequest,
  buildCreateModelRequest,
  buildEndpointConfigRequest,
  HuggingFaceModel,
} from "../../src/sagemaker/model";
import { buildMultiModelRequest } from "../../src/sagemaker/multi-data-model";
import { workshopTags } from "../../src/sagemaker/naming";
import { buildPipelineModelRequest } from "../../src/sagemaker/pipeline-model";
import { Predictor } from "../../src/sagemaker/predictor";
import { jsonLinesSerializer } from "../../src/sagemaker/serializers";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";

const ROLE = "arn:aws:iam::111122223333:role/SageMakerWorkshopRole";
const awsConfig = (confirmCosts: boolean): WorkshopConfig => ({
  mode: "aws",
  region: "ap-northeast-2",
  roleArn: ROLE,
  confirmCosts,
});

/** Builds every AWS-mode request offline and checks it against SageMaker's Smithy input shapes; nothing is sent. */
describe("AWS-mode requests", () => {
  it("the HF DLC KoELECTRA training job is a valid CreateTrainingJob with Python-SDK hyperparameters", async () => {
    const session = await createSession({ config: awsConfig(true) });
    const estimator = new HuggingFaceEstimator(session, {
      entryPoint: "train.py",
      sourceDir: "labs/3_Training/scripts",
      instanceType: "ml.g5.2xlarge",
      instanceCount: 2,
      baseJobName: "koelectra-nsmc",
      lab: "3.3",
      hyperparameters: { model_id: "monologg/koelectra-small-v3-discriminator", epochs: 1, fp16: true },
      metricDefinitions: [{ Name: "eval_accuracy", Regex: "eval_accuracy=([0-9.]+)" }],
      distribution: { torch_distributed: { enabled: true } },
    });
    const request = estimator.trainingJobRequest({
      jobName: "koelectra-nsmc-2026-11-21-09-00-00-000",
      submitDirectory:
        "s3://sagemaker-ap-northeast-2-111122223333/koelectra-nsmc-2026-11-21-09-00-00-000/source/sourcedir.tar.gz",
      channels: { train: "s3://sagemaker-ap-northeast-2-111122223333/nsmc/train" },
      bucket: "sagemaker-ap-northeast-2-111122223333",
    });
    expect(() => validateSageMakerInput("CreateTrainingJob", request)).not.toThrow();
    expect(request.AlgorithmSpecification?.TrainingImage).toMatch(
      /^763104351884\.dkr\.ecr\.ap-northeast-2\.amazonaws\.com\/huggingface-pytorch-training:/,
    );
    expect(request.HyperParameters).toMatchObject({
      model_id: '"monologg/koelectra-small-v3-discriminator"',
      epochs: "1",
      fp16: "true",
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: expect.stringMatching(/^"s3:\/\/.*sourcedir\.tar\.gz"$/),
      sagemaker_torch_distributed_enabled: "true",
      sagemaker_instance_type: '"ml.g5.2xlarge"',
      sagemaker_region: '"ap-northeast-2"',
    });
    expect(request.OutputDataConfig?.S3OutputPath).toBe(
      "s3://sagemaker-ap-northeast-2-111122223333/koelectra-nsmc/output",
    );
    expect(request.Tags).toEqual(workshopTags("3.3"));
  });

  it("smdistributed data parallel sets the flags the DLC launcher reads", async () => {
    const session = await createSession({ config: awsConfig(true) });
    const estimator = new HuggingFaceEstimator(session, {
      entryPoint: "train.py",
      sourceDir: ".",
      instanceType: "ml.p4d.24xlarge",
      distribution: { smdistributed: { dataparallel: { enabled: true } } },
    });
    expect(estimator.hyperparameters()).toEqual({
      sagemaker_distributed_dataparallel_enabled: true,
      sagemaker_instance_type: "ml.p4d.24xlarge",
      sagemaker_distributed_dataparallel_custom_mpi_options: "",
    });
  });

  it("an invalid job name or instance type is caught by the service model before anything is sent", () => {
    expect(() =>
      buildTrainingJobRequest({
        jobName: "bad_name!",
        roleArn: ROLE,
        region: "ap-northeast-2",
        imageUri: "x",
        entryPoint: "train.py",
        submitDirectory: "s3://b/k",
        instanceType: "ml.g5.xlarge",
        instanceCount: 1,
        channels: {},
        outputPath: "s3://b/out",
        hyperparameters: {},
        maxRuntimeSeconds: 3600,
        volumeSizeGB: 30,
        tags: [],
      }),
    ).toThrow(/bad_name!.*letters, digits and hyphens/);
    const request = buildTrainingJobRequest({
      jobName: "ok",
      roleArn: ROLE,
      region: "ap-northeast-2",
      imageUri: "x",
      entryPoint: "train.py",
      submitDirectory: "s3://b/k",
      instanceType: "ml.gpu.huge",
      instanceCount: 1,
      channels: {},
      outputPath: "s3://b/out",
      hyperparameters: {},
      maxRuntimeSeconds: 3600,
      volumeSizeGB: 30,
      tags: [],
    });
    expect(() => validateSageMakerInput("CreateTrainingJob", request)).toThrow(/ml\.gpu\.huge/);
  });

  it("deploying an artifact builds valid CreateModel, CreateEndpointConfig and CreateEndpoint requests", async () => {
    const session = await createSession({ config: awsConfig(true) });
    const model = new HuggingFaceModel(session, {
      modelData: "s3://sagemaker-ap-northeast-2-111122223333/koelectra-nsmc/output/job/output/model.tar.gz",
      instanceType: "ml.m5.xlarge",
      lab: "4.1",
    });
    const tags = workshopTags("4.1");
    const modelRequest = buildCreateModelRequest("koelectra-nsmc", ROLE, model.options, tags);
    const configRequest = buildEndpointConfigRequest(
      "koelectra-nsmc",
      "koelectra-nsmc",
      { instanceType: "ml.m5.xlarge" },
      tags,
    );
    const endpointRequest = buildCreateEndpointRequest("koelectra-nsmc", "koelectra-nsmc", tags);
    expect(() => validateSageMakerInput("CreateModel", modelRequest)).not.toThrow();
    expect(() => validateSageMakerInput("CreateEndpointConfig", configRequest)).not.toThrow();
    expect(() => validateSageMakerInput("CreateEndpoint", endpointRequest)).not.toThrow();
    expect(modelRequest.PrimaryContainer?.Image).toContain(
      "huggingface-pytorch-inference:2.6.0-transformers4.51.3-cpu",
    );
  });

  it("serverless and asynchronous deployments build valid CreateEndpointConfig requests", () => {
    const serverless = buildEndpointConfigRequest(
      "koelectra-serverless",
      "koelectra-nsmc",
      { serverlessConfig: { memorySizeInMB: 4096, maxConcurrency: 20 } },
      [],
    );
    expect(() => validateSageMakerInput("CreateEndpointConfig", serverless)).not.toThrow();
    expect(serverless.ProductionVariants?.[0]).toEqual({
      VariantName: "AllTraffic",
      ModelName: "koelectra-nsmc",
      ServerlessConfig: { MemorySizeInMB: 4096, MaxConcurrency: 20 },
      InitialVariantWeight: 1,
    });
    const asynchronous = buildEndpointConfigRequest(
      "koelectra-async",
      "koelectra-nsmc",
      {
        instanceType: "ml.m5.xlarge",
        asyncInferenceConfig: {
          outputPath: "s3://sagemaker-ap-northeast-2-111122223333/async/output",
          failurePath: "s3://sagemaker-ap-northeast-2-111122223333/async/failure",
          maxConcurrentInvocationsPerInstance: 2,
          notificationConfig: { successTopic: "arn:aws:sns:ap-northeast-2:111122223333:done" },
        },
      },
      [],
    );
    expect(() => validateSageMakerInput("CreateEndpointConfig", asynchronous)).not.toThrow();
    expect(asynchronous.AsyncInferenceConfig).toEqual({
      OutputConfig: {
        S3OutputPath: "s3://sagemaker-ap-northeast-2-111122223333/async/output",
        S3FailurePath: "s3://sagemaker-ap-northeast-2-111122223333/async/failure",
        NotificationConfig: { SuccessTopic: "arn:aws:sns:ap-northeast-2:111122223333:done" },
      },
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 2 },
    });
    const tooMuch = buildEndpointConfigRequest(
      "x",
      "m",
      { serverlessConfig: { memorySizeInMB: 8192, maxConcurrency: 500 } },
      [],
    );
    expect(() => validateSageMakerInput("CreateEndpointConfig", tooMuch)).toThrow(/memorySizeInMB.*6144/);
    expect(() => buildEndpointConfigRequest("x", "m", {}, [])).toThrow(/instanceType, or a serverlessConfig/);
    expect(() =>
      buildEndpointConfigRequest("x", "m", { instanceType: "ml.m5.xlarge", serverlessConfig: {} }, []),
    ).toThrow(/not both/);
  });

  it("pipeline and multi-model deployments build valid CreateModel requests", async () => {
    const session = await createSession({ config: awsConfig(true) });
    const step = (key: string) =>
      new HuggingFaceModel(session, { modelData: `s3://b/${key}/model.tar.gz`, environment: { STEP: key } });
    const pipeline = buildPipelineModelRequest(
      "koelectra-pipeline",
      ROLE,
      ["pre", "model", "post"].map((key) => step(key).containerDefinition()),
      ["pre", "model", "post"],
      [],
    );
    expect(() => validateSageMakerInput("CreateModel", pipeline)).not.toThrow();
    expect(pipeline.Containers?.map((c) => [c.ContainerHostname, c.ModelDataUrl])).toEqual([
      ["pre", "s3://b/pre/model.tar.gz"],
      ["model", "s3://b/model/model.tar.gz"],
      ["post", "s3://b/post/model.tar.gz"],
    ]);
    expect(pipeline.InferenceExecutionConfig).toEqual({ Mode: "Serial" });
    expect(() =>
      buildPipelineModelRequest("x", ROLE, [step("a").containerDefinition()], undefined, []),
    ).toThrow(/2 to 15 containers/);
    const multi = buildMultiModelRequest("koelectra-mme", ROLE, step("any"), "s3://b/mme", []);
    expect(() => validateSageMakerInput("CreateModel", multi)).not.toThrow();
    expect(multi.PrimaryContainer).toMatchObject({
      Mode: "MultiModel",
      ModelDataUrl: "s3://b/mme/",
      Environment: { STEP: "any" },
    });
  });

  it("InvokeEndpointAsync requests name the input in S3 and the limits", async () => {
    const session = await createSession({ config: awsConfig(true) });
    const predictor = new AsyncPredictor(new Predictor(session, "koelectra-async"));
    const request = predictor.buildRequest("s3://b/async-endpoint-inputs/koelectra-async/1", {
      requestTtlSeconds: 600,
      invocationTimeoutSeconds: 120,
      inferenceId: "review-1",
    });
    expect(() =>
      readInput(MODELS.sagemakerRuntime, "InvokeEndpointAsync", request, {
        validationCode: "ValidationError",
      }),
    ).not.toThrow();
    expect(request).toEqual({
      EndpointName: "koelectra-async",
      InputLocation: "s3://b/async-endpoint-inputs/koelectra-async/1",
      ContentType: "application/json",
      Accept: "application/json",
      InferenceId: "review-1",
      RequestTTLSeconds: 600,
      InvocationTimeoutSeconds: 120,
      CustomAttributes: undefined,
    });
  });

  it("a Hub model carries HF_MODEL_ID/HF_TASK and no artifact", async () => {
    const session = await createSession({ config: awsConfig(true) });
    const model = new HuggingFaceModel(session, {
      hubModelId: "daekeun-ml/koelectra-small-v3-nsmc",
      lab: "4.1",
    });
    const request = buildCreateModelRequest("koelectra-hub", ROLE, model.options, workshopTags("4.1"));
    expect(() => validateSageMakerInput("CreateModel", request)).not.toThrow();
    expect(request.PrimaryContainer?.Environment).toEqual({
      HF_MODEL_ID: "daekeun-ml/koelectra-small-v3-nsmc",
      HF_TASK: "text-classification",
    });
    expect(request.PrimaryContainer?.ModelDataUrl).toBeUndefined();
  });

  it("InvokeEndpoint requests carry the serializer's content type and the variant", async () => {
    const session = await createSession({ config: awsConfig(true) });
    const predictor = new Predictor(session, "koelectra-nsmc", { serializer: jsonLinesSerializer });
    const request = predictor.buildRequest([{ text: ["최고의 영화"] }], { targetVariant: "Blue" });
    expect(request).toMatchObject({
      EndpointName: "koelectra-nsmc",
      ContentType: "application/jsonlines",
      Accept: "application/json",
      TargetVariant: "Blue",
    });
    expect(new TextDecoder().decode(request.Body as Uint8Array)).toBe('{"text":["최고의 영화"]}\n');
  });

  it("nothing billable is created in AWS mode until the user opts in", async () => {
    const session = await createSession({ config: awsConfig(false) });
    const estimator = new HuggingFaceEstimator(session, {
      entryPoint: "train.py",
      sourceDir: "labs/3_Training/scripts",
      instanceType: "ml.g5.xlarge",
    });
    await expect(estimator.fit({ train: "s3://b/train" })).rejects.toThrow(CostConsentError);
    const model = new HuggingFaceModel(session, { modelData: "s3://b/model.tar.gz" });
    await expect(model.deploy({ instanceType: "ml.m5.xlarge" })).rejects.toThrow(/SM_CONFIRM_COSTS=1/);
    await expect(model.deploy({ serverlessConfig: { memorySizeInMB: 2048 } })).rejects.toThrow(
      /serverless, 2048 MB, billed per request duration.*SM_CONFIRM_COSTS=1/,
    );
    await expect(uploadPreparedData(session, { quick: true })).rejects.toThrow(CostConsentError);
  });

  it("a Hub model in local mode says it cannot be reached offline", () => {
    // Refused before anything is sent: no server is needed to see it.
    const session = { mode: "local", region: "ap-northeast-2" } as WorkshopSession;
    expect(() => new HuggingFaceModel(session, { hubModelId: "daekeun-ml/koelectra-small-v3-nsmc" })).toThrow(
      /offline.*SM_MODE=aws/,
    );
  });
});
