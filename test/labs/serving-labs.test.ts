import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  measureTargetModels,
  SENTIMENT_JOB_BASE,
  sentimentTrainingPlan,
  sentimentVariants,
  splitTopicReviews,
  summariseLogStreams,
  TOPIC_JOB_BASE,
  TOPIC_LABELS,
  topicTrainingPlan,
  uploadPipelineStep,
} from "../../src/labs";
import { readInput } from "../../src/local/protocol/model";
import { MODELS } from "../../src/local/protocol/models";
import { cleanupWorkshopResources } from "../../src/sagemaker/cleanup";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import { HuggingFaceEstimator } from "../../src/sagemaker/estimator";
import { ensureLocalSageMaker, stopLocalSageMaker } from "../../src/sagemaker/local-launcher";
import { HuggingFaceModel } from "../../src/sagemaker/model";
import { MultiDataModel } from "../../src/sagemaker/multi-data-model";
import { buildPipelineModelRequest, PipelineModel } from "../../src/sagemaker/pipeline-model";
import { EndpointInvocationError, Predictor } from "../../src/sagemaker/predictor";
import { s3Uri } from "../../src/sagemaker/s3";
import { jsonLinesDeserializer } from "../../src/sagemaker/serializers";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import { KEYWORD_MODEL, modelArchive } from "../local/hosting-fixtures";

/** Labs 4.6 and 4.7's plans: the topic model's data and job, the sentiment variants, and the pipeline end to end. */

const validateSageMakerInput = (operation: string, input: unknown) =>
  readInput(MODELS.sagemaker, operation, input, { validationCode: "ValidationException" });

const ROLE = "arn:aws:iam::111122223333:role/SageMakerWorkshopRole";
const awsConfig: WorkshopConfig = {
  mode: "aws",
  region: "ap-northeast-2",
  roleArn: ROLE,
  confirmCosts: true,
};
const localConfig: WorkshopConfig = { mode: "local", region: "ap-northeast-2", confirmCosts: true };
/** The plans read only the mode and the region: no server is needed to build them. */
const offlineLocal = { mode: "local", region: "ap-northeast-2", config: localConfig } as WorkshopSession;

describe("the topic model's data and job (lab 4.6)", () => {
  it("splits the 480 sample reviews by topic: 96 per topic to train, 24 to validate, disjoint", () => {
    const { train, validation } = splitTopicReviews();
    const count = (rows: { label: string }[]) =>
      Object.fromEntries(
        Object.keys(TOPIC_LABELS).map((topic) => [topic, rows.filter((r) => r.label === topic).length]),
      );
    expect(count(train)).toEqual({ movie: 96, food: 96, shopping: 96, travel: 96 });
    expect(count(validation)).toEqual({ movie: 24, food: 24, shopping: 24, travel: 24 });
    const seen = new Set(train.map((row) => row.text));
    expect(validation.some((row) => seen.has(row.text))).toBe(false);
    expect(splitTopicReviews().train.map((row) => row.text)).toEqual(train.map((row) => row.text));
  });

  it("trains with the sentiment job's image and entry point under its own name, without NSMC's label names", async () => {
    const local = offlineLocal;
    const sentiment = sentimentTrainingPlan(local, { quick: true });
    const topics = topicTrainingPlan(local, { quick: true });
    expect(topics).toMatchObject({
      entryPoint: sentiment.entryPoint,
      imageUri: sentiment.imageUri,
      baseJobName: TOPIC_JOB_BASE,
    });
    expect(topics.hyperparameters).not.toHaveProperty("label_names");
    expect(TOPIC_JOB_BASE.startsWith(SENTIMENT_JOB_BASE)).toBe(false);

    const aws = await createSession({ config: awsConfig });
    const plan = topicTrainingPlan(aws, { quick: true });
    expect(plan).toMatchObject({ entryPoint: "train.py", instanceType: "ml.g5.xlarge" });
    expect(plan.hyperparameters).not.toHaveProperty("max_train_samples");
    const request = new HuggingFaceEstimator(aws, { ...plan, lab: "4.6" }).trainingJobRequest({
      jobName: "topic-classifier-2026-01-01-00-00-00-000",
      submitDirectory: "s3://sagemaker-ap-northeast-2-111122223333/topic-classifier/source/sourcedir.tar.gz",
      channels: {
        train: "s3://sagemaker-ap-northeast-2-111122223333/topic-classifier/data/train",
        validation: "s3://sagemaker-ap-northeast-2-111122223333/topic-classifier/data/validation",
      },
      bucket: "sagemaker-ap-northeast-2-111122223333",
    });
    expect(() => validateSageMakerInput("CreateTrainingJob", request)).not.toThrow();
    expect(request.AlgorithmSpecification?.TrainingImage).toMatch(/huggingface-pytorch-training/);
  });

  it("the sentiment variants have their own job names and archive names", async () => {
    for (const session of [offlineLocal, await createSession({ config: awsConfig })]) {
      const variants = sentimentVariants(session);
      expect(variants.length).toBeGreaterThanOrEqual(2);
      for (const variant of variants) {
        expect(variant.archive).toMatch(/^[a-z0-9.-]+\.tar\.gz$/);
        expect(variant.baseJobName.includes(SENTIMENT_JOB_BASE)).toBe(false);
        expect(variant.baseJobName.includes(TOPIC_JOB_BASE)).toBe(false);
      }
      expect(new Set(variants.map((v) => v.baseJobName)).size).toBe(variants.length);
    }
  });
});

describe("lab helpers", () => {
  it("summariseLogStreams counts each stream's lines and keeps its last ones", () => {
    const line = (stream: string, message: string) => ({ stream, message, timestamp: 0 });
    expect(
      summariseLogStreams(
        [
          line("v/i-1/topic", "a"),
          line("v/i-1/sentiment", "b"),
          line("v/i-1/topic", "c"),
          line("v/i-1/topic", "d"),
        ],
        2,
      ),
    ).toEqual([
      { stream: "v/i-1/sentiment", lines: 1, last: ["b"] },
      { stream: "v/i-1/topic", lines: 3, last: ["c", "d"] },
    ]);
  });

  it("an AWS-mode pipeline of the lab's three archives is a valid CreateModel", async () => {
    const session = await createSession({ config: awsConfig });
    const bucket = "s3://sagemaker-ap-northeast-2-111122223333";
    const models = [
      new HuggingFaceModel(session, { modelData: `${bucket}/inference-pipeline/preprocess/model.tar.gz` }),
      new HuggingFaceModel(session, { modelData: `${bucket}/nsmc-sentiment/output/job/output/model.tar.gz` }),
      new HuggingFaceModel(session, {
        modelData: `${bucket}/inference-pipeline/postprocess/model.tar.gz`,
        environment: { UNCERTAIN_BELOW: "0.6" },
      }),
    ];
    const request = buildPipelineModelRequest(
      "ko-sagemaker-4-7-pipeline",
      ROLE,
      models.map((model) => model.containerDefinition()),
      ["preprocess", "sentiment", "postprocess"],
      [],
    );
    expect(() => validateSageMakerInput("CreateModel", request)).not.toThrow();
    expect(request.Containers?.map((c) => c.Image)).toEqual(
      Array(3).fill(expect.stringMatching(/huggingface-pytorch-inference:.*-cpu-/)),
    );
  });
});

describe("lab 4.7's pipeline and lab 4.6's multi-model timings on local SageMaker", () => {
  let url: string;
  let stateDir: string;
  let work: string;
  let session: WorkshopSession;
  let keywordModel: string;

  const freePort = () =>
    new Promise<number>((done, fail) => {
      const server = createServer();
      server.once("error", fail);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => done(port));
      });
    });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ko-serving-labs-"));
    stateDir = join(work, "state");
    url = (await ensureLocalSageMaker({ port: await freePort(), stateDir })).url;
    session = await createSession({ config: localConfig, localUrl: url, localStateDir: stateDir });
    const bucket = await session.defaultBucket();
    await session.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "labs-test/keyword.tar.gz",
        Body: await modelArchive({ "code/inference.ts": KEYWORD_MODEL }),
      }),
    );
    keywordModel = s3Uri(bucket, "labs-test", "keyword.tar.gz");
  });

  afterAll(async () => {
    if (session) await cleanupWorkshopResources(session, { lab: "labs-test" });
    if (url) await stopLocalSageMaker(url, { stateDir });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("normalises, classifies and answers in Korean; a request the model rejects names its container", async () => {
    const pipeline = new PipelineModel(session, {
      models: [
        new HuggingFaceModel(session, { modelData: await uploadPipelineStep(session, "preprocess") }),
        new HuggingFaceModel(session, { modelData: keywordModel }),
        new HuggingFaceModel(session, {
          modelData: await uploadPipelineStep(session, "postprocess"),
          environment: { UNCERTAIN_BELOW: "0.85" },
        }),
      ],
      hostnames: ["preprocess", "sentiment", "postprocess"],
      lab: "labs-test",
    });
    const deployed = await pipeline.deploy({ instanceType: "ml.m5.large", onStatus: () => {} });
    const lines = new Predictor(session, deployed.endpointName, { deserializer: jsonLinesDeserializer });
    const answer = await lines.predict("최고예요!!!!!ㅋㅋㅋㅋ\n별로....", { contentType: "text/plain" });
    expect(answer.contentType).toBe("application/jsonlines");
    expect(answer.result).toEqual([
      { label: "긍정", model_label: "positive", score: 0.9, uncertain: false },
      { label: "애매함", model_label: "negative", score: 0.8, uncertain: true },
    ]);
    const failed = await deployed.predict({ inputs: { review: "재밌어요" } }).catch((error: Error) => error);
    expect(failed).toBeInstanceOf(EndpointInvocationError);
    expect(failed).toMatchObject({ code: "ModelError", originalStatusCode: 400 });
    expect((failed as EndpointInvocationError).serviceMessage).toMatch(
      /^Received client error \(400\) from variant AllTraffic \(container sentiment\) with message ".*inputs/,
    );
  });

  it("measureTargetModels times each archive's first call and its cached calls", async () => {
    const bucket = await session.bucketName();
    const mme = new MultiDataModel(session, {
      modelDataPrefix: s3Uri(bucket, "labs-test", "mme"),
      model: new HuggingFaceModel(session, { modelData: keywordModel }),
      lab: "labs-test",
    });
    await mme.addModel(keywordModel, "a.tar.gz");
    await mme.addModel(keywordModel, "b.tar.gz");
    const predictor = await mme.deploy({ instanceType: "ml.m5.large", onStatus: () => {} });
    const timings = await measureTargetModels(predictor, ["a.tar.gz", "b.tar.gz"], { inputs: "최고" }, 3);
    expect(timings.map((t) => [t.model, t.cachedRequests, t.answer])).toEqual([
      ["a.tar.gz", 3, [{ label: "positive", score: 0.9 }]],
      ["b.tar.gz", 3, [{ label: "positive", score: 0.9 }]],
    ]);
    for (const timing of timings) expect(timing.firstMs).toBeGreaterThan(0);
  });
});
