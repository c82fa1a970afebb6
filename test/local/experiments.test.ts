import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  AssociateTrialComponentCommand,
  CreateExperimentCommand,
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  type CreateTrainingJobRequest,
  CreateTrialCommand,
  CreateTrialComponentCommand,
  DeleteExperimentCommand,
  DeleteTrialCommand,
  DeleteTrialComponentCommand,
  DescribeExperimentCommand,
  DescribeTrialCommand,
  DescribeTrialComponentCommand,
  DisassociateTrialComponentCommand,
  type ExperimentConfig,
  ListExperimentsCommand,
  ListTagsCommand,
  ListTrialComponentsCommand,
  ListTrialsCommand,
  SearchCommand,
  type SearchCommandInput,
  UpdateTrialComponentCommand,
  waitUntilProcessingJobCompletedOrStopped,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, type Local, modelArchive, startLocal, stopLocal } from "./hosting-fixtures";

/** SageMaker Experiments and Search through the real client: the records, and the jobs' own trial components. */

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const TRAINING_IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04";
const ARN = "arn:aws:sagemaker:ap-northeast-2:000000000000";

const unexpected = (): never => {
  throw new Error("expected the call to fail, but it answered");
};

let local: Local;

beforeAll(async () => {
  local = await startLocal(mkdtempSync(join(tmpdir(), "local-sagemaker-experiments-")), {
    maxTrainingJobs: 3,
  });
  await local.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: "exp/train/reviews.tsv", Body: "text\tlabel\n좋아요\t1\n" }),
  );
  const archive = await modelArchive({
    "train.js": `
const epochs = Number(process.env.SM_HP_EPOCHS);
for (let epoch = 1; epoch <= epochs; epoch++) {
  console.log("epoch=" + epoch + " loss=" + (1 / epoch).toFixed(3) + " eval_accuracy=" + (0.5 + epoch / 10).toFixed(2));
}
require("node:fs").writeFileSync(process.env.SM_MODEL_DIR + "/model.txt", "weights");
`,
  });
  await local.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: "exp/source/sourcedir.tar.gz", Body: archive }),
  );
  await local.s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: "exp/code/prep.js",
      Body: `require("node:fs").writeFileSync(process.argv[2] + "/clean.tsv", "ok"); console.log("cleaned");`,
    }),
  );
});

afterAll(async () => {
  await stopLocal(local);
});

function trainingJob(name: string, epochs: number, config?: ExperimentConfig): CreateTrainingJobRequest {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: {
      TrainingImage: TRAINING_IMAGE,
      TrainingInputMode: "File",
      MetricDefinitions: [
        { Name: "eval_accuracy", Regex: "eval_accuracy=([0-9.]+)" },
        { Name: "train:loss", Regex: "loss=([0-9.]+)" },
      ],
    },
    HyperParameters: {
      epochs: JSON.stringify(epochs),
      model_name: JSON.stringify("char-ngram"),
      sagemaker_program: JSON.stringify("train.js"),
      sagemaker_submit_directory: JSON.stringify(`s3://${BUCKET}/exp/source/sourcedir.tar.gz`),
    },
    InputDataConfig: [
      {
        ChannelName: "train",
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/exp/train` } },
      },
    ],
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/exp/output` },
    ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 120 },
    ...(config ? { ExperimentConfig: config } : {}),
  };
}

async function train(name: string, epochs: number, config?: ExperimentConfig): Promise<void> {
  await local.sm.send(new CreateTrainingJobCommand(trainingJob(name, epochs, config)));
}

async function trained(name: string): Promise<void> {
  const waited = await waitUntilTrainingJobCompletedOrStopped(
    { client: local.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
    { TrainingJobName: name },
  );
  expect(waited.state).toBe("SUCCESS");
}

async function search(input: SearchCommandInput) {
  return local.sm.send(new SearchCommand(input));
}

describe("experiments, trials and trial components", () => {
  it("creates, describes, lists, updates, associates and deletes them with SageMaker's rules", async () => {
    const { ExperimentArn } = await local.sm.send(
      new CreateExperimentCommand({
        ExperimentName: "crud-exp",
        Description: "CRUD",
        Tags: [{ Key: "workshop", Value: "ko-nlp" }],
      }),
    );
    expect(ExperimentArn).toBe(`${ARN}:experiment/crud-exp`);
    const duplicate = await local.sm
      .send(new CreateExperimentCommand({ ExperimentName: "CRUD-exp" }))
      .then(unexpected, (e: Error) => e);
    expect(duplicate).toMatchObject({ name: "ValidationException" });
    expect((duplicate as Error).message).toContain("already exists");
    const experiment = await local.sm.send(new DescribeExperimentCommand({ ExperimentName: "crud-exp" }));
    expect(experiment).toMatchObject({
      ExperimentName: "crud-exp",
      DisplayName: "crud-exp",
      Description: "CRUD",
    });
    expect(experiment.CreationTime).toBeInstanceOf(Date);
    expect((await local.sm.send(new ListTagsCommand({ ResourceArn: ExperimentArn }))).Tags).toEqual([
      { Key: "workshop", Value: "ko-nlp" },
    ]);

    const orphan = await local.sm
      .send(new CreateTrialCommand({ TrialName: "orphan", ExperimentName: "no-such-exp" }))
      .then(unexpected, (e: Error) => e);
    expect(orphan).toMatchObject({ name: "ResourceNotFound" });
    await local.sm.send(new CreateTrialCommand({ TrialName: "crud-trial", ExperimentName: "crud-exp" }));
    await local.sm.send(
      new CreateTrialCommand({
        TrialName: "crud-trial-2",
        ExperimentName: "crud-exp",
        DisplayName: "second",
      }),
    );
    expect(await local.sm.send(new DescribeTrialCommand({ TrialName: "crud-trial" }))).toMatchObject({
      TrialArn: `${ARN}:experiment-trial/crud-trial`,
      ExperimentName: "crud-exp",
    });
    const trials = await local.sm.send(
      new ListTrialsCommand({ ExperimentName: "crud-exp", SortBy: "Name", SortOrder: "Ascending" }),
    );
    expect(trials.TrialSummaries?.map((t) => [t.TrialName, t.DisplayName])).toEqual([
      ["crud-trial", "crud-trial"],
      ["crud-trial-2", "second"],
    ]);

    await local.sm.send(
      new CreateTrialComponentCommand({
        TrialComponentName: "crud-tc",
        DisplayName: "hand-made",
        Status: { PrimaryStatus: "InProgress" },
        StartTime: new Date("2026-01-01T00:00:00Z"),
        Parameters: { lr: { NumberValue: 0.1 }, tokenizer: { StringValue: "syllable" } },
        InputArtifacts: { train: { Value: `s3://${BUCKET}/exp/train` } },
      }),
    );
    await local.sm.send(
      new UpdateTrialComponentCommand({
        TrialComponentName: "crud-tc",
        Status: { PrimaryStatus: "Completed", Message: "done" },
        EndTime: new Date("2026-01-01T00:10:00Z"),
        Parameters: { epochs: { NumberValue: 3 } },
        ParametersToRemove: ["tokenizer"],
        OutputArtifacts: { model: { Value: "s3://b/model.tar.gz", MediaType: "application/x-tar" } },
      }),
    );
    const component = await local.sm.send(
      new DescribeTrialComponentCommand({ TrialComponentName: `${ARN}:experiment-trial-component/crud-tc` }),
    );
    expect(component).toMatchObject({
      TrialComponentName: "crud-tc",
      DisplayName: "hand-made",
      Status: { PrimaryStatus: "Completed", Message: "done" },
      Parameters: { lr: { NumberValue: 0.1 }, epochs: { NumberValue: 3 } },
      OutputArtifacts: { model: { Value: "s3://b/model.tar.gz", MediaType: "application/x-tar" } },
    });
    expect(component.Parameters?.tokenizer).toBeUndefined();
    expect(component.EndTime?.toISOString()).toBe("2026-01-01T00:10:00.000Z");

    await local.sm.send(
      new AssociateTrialComponentCommand({ TrialComponentName: "crud-tc", TrialName: "crud-trial" }),
    );
    const byTrial = await local.sm.send(new ListTrialComponentsCommand({ TrialName: "crud-trial" }));
    expect(byTrial.TrialComponentSummaries?.map((c) => c.TrialComponentName)).toEqual(["crud-tc"]);
    const byExperiment = await local.sm.send(new ListTrialComponentsCommand({ ExperimentName: "crud-exp" }));
    expect(byExperiment.TrialComponentSummaries?.map((c) => c.TrialComponentName)).toEqual(["crud-tc"]);
    const both = await local.sm
      .send(new ListTrialComponentsCommand({ ExperimentName: "crud-exp", TrialName: "crud-trial" }))
      .then(unexpected, (e: Error) => e);
    expect((both as Error).message).toContain("one of ExperimentName, TrialName and SourceArn at a time");
    const trialsOfComponent = await local.sm.send(new ListTrialsCommand({ TrialComponentName: "crud-tc" }));
    expect(trialsOfComponent.TrialSummaries?.map((t) => t.TrialName)).toEqual(["crud-trial"]);

    // Deleting goes from the inside out, as on AWS.
    const experimentFirst = await local.sm
      .send(new DeleteExperimentCommand({ ExperimentName: "crud-exp" }))
      .then(unexpected, (e: Error) => e);
    expect((experimentFirst as Error).message).toContain("still has 2 trial(s)");
    const trialFirst = await local.sm
      .send(new DeleteTrialCommand({ TrialName: "crud-trial" }))
      .then(unexpected, (e: Error) => e);
    expect((trialFirst as Error).message).toContain("disassociate them first");
    const componentFirst = await local.sm
      .send(new DeleteTrialComponentCommand({ TrialComponentName: "crud-tc" }))
      .then(unexpected, (e: Error) => e);
    expect((componentFirst as Error).message).toContain("disassociate it first");
    await local.sm.send(
      new DisassociateTrialComponentCommand({ TrialComponentName: "crud-tc", TrialName: "crud-trial" }),
    );
    await local.sm.send(new DeleteTrialComponentCommand({ TrialComponentName: "crud-tc" }));
    await local.sm.send(new DeleteTrialCommand({ TrialName: "crud-trial" }));
    await local.sm.send(new DeleteTrialCommand({ TrialName: "crud-trial-2" }));
    await local.sm.send(new DeleteExperimentCommand({ ExperimentName: "crud-exp" }));
    for (const missing of [
      local.sm.send(new DescribeExperimentCommand({ ExperimentName: "crud-exp" })),
      local.sm.send(new DescribeTrialCommand({ TrialName: "crud-trial" })),
      local.sm.send(new DescribeTrialComponentCommand({ TrialComponentName: "crud-tc" })),
    ]) {
      expect(await missing.then(unexpected, (e: Error) => e)).toMatchObject({ name: "ResourceNotFound" });
    }
  });

  it("lists experiments by name or time, in pages", async () => {
    for (const name of ["list-a", "list-b", "list-c"]) {
      await local.sm.send(new CreateExperimentCommand({ ExperimentName: name }));
    }
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await local.sm.send(
        new ListExperimentsCommand({
          SortBy: "Name",
          SortOrder: "Ascending",
          MaxResults: 2,
          NextToken: token,
        }),
      );
      names.push(...(page.ExperimentSummaries?.map((e) => e.ExperimentName as string) ?? []));
      token = page.NextToken;
    } while (token);
    expect(names.filter((name) => name.startsWith("list-"))).toEqual(["list-a", "list-b", "list-c"]);
    const later = await local.sm.send(
      new ListExperimentsCommand({ CreatedAfter: new Date(Date.now() + 60_000) }),
    );
    expect(later.ExperimentSummaries).toEqual([]);
  });
});

describe("jobs started with ExperimentConfig get their trial components", () => {
  beforeAll(async () => {
    await local.sm.send(new CreateExperimentCommand({ ExperimentName: "nsmc" }));
    await local.sm.send(new CreateExperimentCommand({ ExperimentName: "other" }));
    await local.sm.send(new CreateTrialCommand({ TrialName: "epochs-2", ExperimentName: "nsmc" }));
    await local.sm.send(new CreateTrialCommand({ TrialName: "epochs-4", ExperimentName: "nsmc" }));
    await local.sm.send(new CreateTrialCommand({ TrialName: "elsewhere", ExperimentName: "other" }));
    await train("nsmc-e2", 2, {
      ExperimentName: "nsmc",
      TrialName: "epochs-2",
      TrialComponentDisplayName: "two",
    });
    await train("nsmc-e4", 4, { ExperimentName: "nsmc", TrialName: "epochs-4" });
    await train("loose", 1);
    await Promise.all(["nsmc-e2", "nsmc-e4", "loose"].map(trained));
    await local.sm.send(
      new CreateProcessingJobCommand({
        ProcessingJobName: "nsmc-prep",
        RoleArn: ROLE,
        ProcessingResources: {
          ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 10 },
        },
        AppSpecification: {
          ImageUri: "ko-sagemaker/processing",
          ContainerEntrypoint: ["node", "/opt/ml/processing/input/code/prep.js"],
          ContainerArguments: ["/opt/ml/processing/clean"],
        },
        ProcessingInputs: [
          {
            InputName: "code",
            S3Input: {
              S3Uri: `s3://${BUCKET}/exp/code/prep.js`,
              LocalPath: "/opt/ml/processing/input/code",
              S3DataType: "S3Prefix",
              S3InputMode: "File",
            },
          },
        ],
        ProcessingOutputConfig: {
          Outputs: [
            {
              OutputName: "clean",
              S3Output: {
                S3Uri: `s3://${BUCKET}/exp/clean`,
                LocalPath: "/opt/ml/processing/clean",
                S3UploadMode: "EndOfJob",
              },
            },
          ],
        },
        ExperimentConfig: { ExperimentName: "nsmc", RunName: "prep-run" },
      }),
    );
    const waited = await waitUntilProcessingJobCompletedOrStopped(
      { client: local.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { ProcessingJobName: "nsmc-prep" },
    );
    expect(waited.state).toBe("SUCCESS");
  });

  it("names the component <job>-aws-training-job, with parameters, artifacts, metrics and status, in its trial", async () => {
    const component = await local.sm.send(
      new DescribeTrialComponentCommand({ TrialComponentName: "nsmc-e2-aws-training-job" }),
    );
    expect(component).toMatchObject({
      TrialComponentArn: `${ARN}:experiment-trial-component/nsmc-e2-aws-training-job`,
      DisplayName: "two",
      Source: { SourceArn: `${ARN}:training-job/nsmc-e2`, SourceType: "SageMakerTrainingJob" },
      Status: { PrimaryStatus: "Completed" },
      Parameters: {
        epochs: { NumberValue: 2 },
        model_name: { StringValue: "char-ngram" },
        "SageMaker.InstanceType": { StringValue: "ml.m5.xlarge" },
        "SageMaker.InstanceCount": { NumberValue: 1 },
      },
      InputArtifacts: {
        train: { Value: `s3://${BUCKET}/exp/train` },
        "SageMaker.ImageUri": { Value: TRAINING_IMAGE },
      },
      OutputArtifacts: {
        "SageMaker.ModelArtifact": { Value: `s3://${BUCKET}/exp/output/nsmc-e2/output/model.tar.gz` },
      },
    });
    expect(component.StartTime).toBeInstanceOf(Date);
    expect(component.EndTime).toBeInstanceOf(Date);
    const accuracy = component.Metrics?.find((metric) => metric.MetricName === "eval_accuracy");
    expect(accuracy).toMatchObject({
      Count: 2,
      Min: 0.6,
      Max: 0.7,
      Last: 0.7,
      SourceArn: `${ARN}:training-job/nsmc-e2`,
    });
    expect(accuracy?.Avg).toBeCloseTo(0.65, 6);
    expect(accuracy?.StdDev).toBeCloseTo(Math.sqrt(0.005), 6);
    expect(accuracy?.TimeStamp).toBeInstanceOf(Date);

    const inTrial = await local.sm.send(new ListTrialComponentsCommand({ TrialName: "epochs-2" }));
    expect(inTrial.TrialComponentSummaries?.map((c) => c.TrialComponentName)).toEqual([
      "nsmc-e2-aws-training-job",
    ]);
    const bySource = await local.sm.send(
      new ListTrialComponentsCommand({ SourceArn: `${ARN}:training-job/loose` }),
    );
    expect(bySource.TrialComponentSummaries?.map((c) => c.TrialComponentName)).toEqual([
      "loose-aws-training-job",
    ]);
    const unassigned = await local.sm.send(
      new ListTrialsCommand({ TrialComponentName: "loose-aws-training-job" }),
    );
    expect(unassigned.TrialSummaries).toEqual([]);
  });

  it("puts a processing job that names only its experiment in a new trial named after the job", async () => {
    const component = await local.sm.send(
      new DescribeTrialComponentCommand({ TrialComponentName: "nsmc-prep-aws-processing-job" }),
    );
    expect(component).toMatchObject({
      DisplayName: "prep-run",
      Source: { SourceArn: `${ARN}:processing-job/nsmc-prep`, SourceType: "SageMakerProcessingJob" },
      Status: { PrimaryStatus: "Completed" },
      Parameters: { "SageMaker.InstanceType": { StringValue: "ml.m5.large" } },
      InputArtifacts: { code: { Value: `s3://${BUCKET}/exp/code/prep.js` } },
      OutputArtifacts: { clean: { Value: `s3://${BUCKET}/exp/clean` } },
    });
    const trial = await local.sm.send(new DescribeTrialCommand({ TrialName: "nsmc-prep" }));
    expect(trial).toMatchObject({
      ExperimentName: "nsmc",
      Source: { SourceArn: `${ARN}:processing-job/nsmc-prep`, SourceType: "SageMakerProcessingJob" },
    });
    const inExperiment = await local.sm.send(
      new ListTrialComponentsCommand({ ExperimentName: "nsmc", SortBy: "Name", SortOrder: "Ascending" }),
    );
    expect(inExperiment.TrialComponentSummaries?.map((c) => c.TrialComponentName)).toEqual([
      "nsmc-e2-aws-training-job",
      "nsmc-e4-aws-training-job",
      "nsmc-prep-aws-processing-job",
    ]);
  });

  it("refuses a job whose experiment or trial does not exist, or whose trial is in another experiment", async () => {
    const cases: [ExperimentConfig, string, string][] = [
      [{ ExperimentName: "missing-exp" }, "ResourceNotFound", 'experiment "missing-exp" does not exist'],
      [
        { ExperimentName: "nsmc", TrialName: "missing-trial" },
        "ResourceNotFound",
        'trial "missing-trial" does not exist',
      ],
      [
        { ExperimentName: "nsmc", TrialName: "elsewhere" },
        "ValidationException",
        'belongs to experiment "other"',
      ],
      [{ RunName: "lonely" }, "ValidationException", "needs the ExperimentName"],
    ];
    for (const [config, code, message] of cases) {
      const error = await local.sm
        .send(new CreateTrainingJobCommand(trainingJob("refused-job", 1, config)))
        .then(unexpected, (e: Error) => e);
      expect(error, message).toMatchObject({ name: code });
      expect((error as Error).message).toContain(message);
    }
  });
});

describe("Search compares runs", () => {
  it("finds training jobs by status and final metric, sorted by a metric, in pages", async () => {
    const found = await search({
      Resource: "TrainingJob",
      SearchExpression: {
        Filters: [
          { Name: "TrainingJobStatus", Operator: "Equals", Value: "Completed" },
          { Name: "Metrics.eval_accuracy", Operator: "GreaterThanOrEqualTo", Value: "0.7" },
        ],
      },
      SortBy: "Metrics.eval_accuracy",
      SortOrder: "Descending",
    });
    expect(found.Results?.map((r) => r.TrainingJob?.TrainingJobName)).toEqual(["nsmc-e4", "nsmc-e2"]);
    expect(found.TotalHits).toEqual({ Value: 2, Relation: "EqualTo" });
    const best = found.Results?.[0]?.TrainingJob;
    expect(best?.FinalMetricDataList?.find((m) => m.MetricName === "eval_accuracy")?.Value).toBe(0.9);
    expect(best?.ExperimentConfig).toEqual({ ExperimentName: "nsmc", TrialName: "epochs-4" });

    const byHyperparameter = await search({
      Resource: "TrainingJob",
      SearchExpression: {
        Filters: [
          { Name: "HyperParameters.epochs", Operator: "LessThan", Value: "3" },
          { Name: "HyperParameters.model_name", Operator: "Equals", Value: "char-ngram" },
          { Name: "FinalMetricDataList.train:loss.Value", Operator: "Exists" },
        ],
      },
      SortBy: "TrainingJobName",
      SortOrder: "Ascending",
    });
    expect(byHyperparameter.Results?.map((r) => r.TrainingJob?.TrainingJobName)).toEqual([
      "loose",
      "nsmc-e2",
    ]);

    const pages: string[] = [];
    let token: string | undefined;
    do {
      const page = await search({
        Resource: "TrainingJob",
        SortBy: "CreationTime",
        SortOrder: "Ascending",
        MaxResults: 1,
        NextToken: token,
      });
      pages.push(...(page.Results?.map((r) => r.TrainingJob?.TrainingJobName as string) ?? []));
      token = page.NextToken;
    } while (token);
    expect(pages).toEqual(["nsmc-e2", "nsmc-e4", "loose"]);
  });

  it("finds trial components by experiment, parameter and metric, as a table to compare runs", async () => {
    const found = await search({
      Resource: "ExperimentTrialComponent",
      SearchExpression: {
        Filters: [
          { Name: "Parents.ExperimentName", Operator: "Equals", Value: "nsmc" },
          { Name: "Source.SourceArn", Operator: "Contains", Value: ":training-job/" },
        ],
      },
      SortBy: "Metrics.eval_accuracy.Max",
      SortOrder: "Descending",
    });
    const table = found.Results?.map((result) => {
      const component = result.TrialComponent;
      return {
        run: component?.TrialComponentName,
        trial: component?.Parents?.[0]?.TrialName,
        epochs: component?.Parameters?.epochs?.NumberValue,
        best: component?.Metrics?.find((m) => m.MetricName === "eval_accuracy")?.Max,
        job: component?.SourceDetail?.TrainingJob?.TrainingJobStatus,
      };
    });
    expect(table).toEqual([
      { run: "nsmc-e4-aws-training-job", trial: "epochs-4", epochs: 4, best: 0.9, job: "Completed" },
      { run: "nsmc-e2-aws-training-job", trial: "epochs-2", epochs: 2, best: 0.7, job: "Completed" },
    ]);

    const expression = async (input: SearchCommandInput["SearchExpression"]) =>
      (
        await search({
          Resource: "ExperimentTrialComponent",
          SearchExpression: input,
          SortBy: "TrialComponentName",
          SortOrder: "Ascending",
        })
      ).Results?.map((r) => r.TrialComponent?.TrialComponentName);
    expect(
      await expression({ Filters: [{ Name: "Parameters.epochs", Operator: "GreaterThan", Value: "3" }] }),
    ).toEqual(["nsmc-e4-aws-training-job"]);
    expect(await expression({ Filters: [{ Name: "Parents", Operator: "NotExists" }] })).toEqual([
      "loose-aws-training-job",
    ]);
    expect(
      await expression({
        Filters: [{ Name: "Parents.TrialName", Operator: "In", Value: "epochs-2, nsmc-prep" }],
      }),
    ).toEqual(["nsmc-e2-aws-training-job", "nsmc-prep-aws-processing-job"]);
    expect(
      await expression({
        Operator: "Or",
        SubExpressions: [
          { Filters: [{ Name: "DisplayName", Operator: "Equals", Value: "prep-run" }] },
          {
            Filters: [
              { Name: "Metrics.eval_accuracy.Min", Operator: "LessThanOrEqualTo", Value: "0.6" },
              { Name: "Parameters.epochs", Operator: "Equals", Value: "1" },
            ],
          },
        ],
      }),
    ).toEqual(["loose-aws-training-job", "nsmc-prep-aws-processing-job"]);
    expect(
      await expression({
        NestedFilters: [
          {
            NestedPropertyName: "Parents",
            Filters: [
              { Name: "Parents.ExperimentName", Operator: "Equals", Value: "nsmc" },
              { Name: "Parents.TrialName", Operator: "NotEquals", Value: "epochs-2" },
            ],
          },
        ],
      }),
    ).toEqual(["nsmc-e4-aws-training-job", "nsmc-prep-aws-processing-job"]);
    expect(
      await expression({
        Filters: [
          { Name: "Status.PrimaryStatus", Operator: "Equals", Value: "Completed" },
          {
            Name: "StartTime",
            Operator: "GreaterThan",
            Value: new Date(Date.now() - 3_600_000).toISOString(),
          },
          { Name: "InputArtifacts.SageMaker.ImageUri", Operator: "Contains", Value: "processing" },
        ],
      }),
    ).toEqual(["nsmc-prep-aws-processing-job"]);
  });

  it("finds experiments and trials, with their tags and members", async () => {
    await local.sm.send(
      new CreateExperimentCommand({ ExperimentName: "tagged-exp", Tags: [{ Key: "lab", Value: "5.3" }] }),
    );
    const experiments = await search({
      Resource: "Experiment",
      SearchExpression: { Filters: [{ Name: "Tags.lab", Operator: "Equals", Value: "5.3" }] },
    });
    expect(experiments.Results?.map((r) => r.Experiment?.ExperimentName)).toEqual(["tagged-exp"]);
    expect(experiments.Results?.[0]?.Experiment?.Tags).toEqual([{ Key: "lab", Value: "5.3" }]);

    const trials = await search({
      Resource: "ExperimentTrial",
      SearchExpression: { Filters: [{ Name: "ExperimentName", Operator: "Equals", Value: "nsmc" }] },
      SortBy: "TrialName",
      SortOrder: "Ascending",
    });
    expect(
      trials.Results?.map((r) => [r.Trial?.TrialName, r.Trial?.TrialComponentSummaries?.length]),
    ).toEqual([
      ["epochs-2", 1],
      ["epochs-4", 1],
      ["nsmc-prep", 1],
    ]);

    const unsupported = await search({ Resource: "Endpoint" }).then(unexpected, (e: Error) => e);
    expect(unsupported).toMatchObject({ name: "ValidationException" });
    expect((unsupported as Error).message).toContain(
      "Search of Resource Endpoint is not available on local SageMaker",
    );
    const noValue = await search({
      Resource: "TrainingJob",
      SearchExpression: { Filters: [{ Name: "TrainingJobStatus", Operator: "Equals" }] },
    }).then(unexpected, (e: Error) => e);
    expect((noValue as Error).message).toContain(
      'Search filter "TrainingJobStatus" with Operator Equals needs a Value',
    );
  });
});
