import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApplicationAutoScalingClient,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from "@aws-sdk/client-lambda";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateExperimentCommand,
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  CreateTrialCommand,
  DescribeEndpointCommand,
  DescribeModelPackageCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSignInUrl } from "../../src/common/console-link";
import {
  BUCKET,
  deploy,
  KEYWORD_MODEL,
  type Local,
  modelArchive,
  startLocal,
  stopLocal,
  unique,
} from "../local/hosting-fixtures";
import {
  archiveOf,
  createPipeline,
  definition,
  INFERENCE_IMAGE,
  putObject,
  start,
  stepsOf,
  TRAIN_SCRIPT,
  trainingArguments,
  waitForExecution,
} from "../local/pipeline-fixtures";
import { zipOf } from "../support/lambda-zips";
import { clientConfig } from "../support/local-clients";
import { scriptTrainingJob } from "../support/training-job";

/**
 * The local console in headless Chromium (Debian's, through playwright-core; no browser download): a real server
 * runs a training job, a transform job, an endpoint and a Lambda function through the SDK; the console, opened
 * with the sign-in link, must list them on every page, draw their charts, follow changes without a reload, and
 * stop a job and delete an endpoint with its buttons; a browser without the link and a page of another origin
 * get nothing. A screenshot of each page goes to a temporary folder (its path is printed).
 */

/**
 * The functions given to page.evaluate and page.waitForFunction run in the browser. These are the few browser
 * globals they use, declared for this module only: the DOM library in the Node program would change the types of
 * Node's own fetch and Headers for every other file.
 */
interface BrowserNode {
  innerText: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const window: { location: { hash: string }; notReloaded?: boolean };
declare const document: {
  querySelector(selector: string): BrowserNode | null;
  querySelectorAll(selector: string): Iterable<BrowserNode> & ArrayLike<BrowserNode>;
};

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);

const SHORT_SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  for (let epoch = 1; epoch <= 3; epoch++) {
    console.log("epoch=" + epoch + "; loss=" + (1 / epoch).toFixed(3) + "; eval_accuracy=" + (0.6 + 0.1 * epoch).toFixed(3) + ";");
    await sleep(700);
  }
  fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, "model.txt"), "trained");
})();
`;
const PROCESSING_SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
const [input, output] = process.argv.slice(2);
const rows = fs.readFileSync(path.join(input, "input.jsonl"), "utf8").trim().split("\\n");
console.log("prepared " + rows.length + " rows");
fs.writeFileSync(path.join(output, "rows.txt"), String(rows.length));
`;
const LONG_SCRIPT = `console.log("training for a long time"); setInterval(() => console.log("still training"), 500);`;

const METRICS = [
  { Name: "loss", Regex: "loss=([0-9.]+)" },
  { Name: "eval_accuracy", Regex: "eval_accuracy=([0-9.]+)" },
];

let local: Local;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let shots: string;
let foreign: Server;
const names = {
  short: unique("console-train"),
  second: unique("console-train-b"),
  processing: unique("console-prep"),
  experiment: unique("console-exp"),
  long: unique("console-long"),
  transform: unique("console-batch"),
  lambda: unique("console-fn"),
  pipeline: unique("console-pipeline"),
  group: unique("console-models"),
  executions: [] as string[],
  alarm: unique("console-alarm"),
  endpoint: "",
  model: "",
  config: "",
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function invoke(times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await local.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: names.endpoint,
        ContentType: "application/json",
        Body: JSON.stringify({ inputs: "정말 재미있어요" }),
      }),
    );
  }
}

/** Goes to a page of the console the way its links do (the address's fragment), and waits for its view. */
async function open(id: string, params: Record<string, string> = {}): Promise<void> {
  const query = new URLSearchParams(params).toString();
  await page.evaluate(
    (hash) => {
      window.location.hash = hash;
    },
    `#/${id}${query ? `?${query}` : ""}`,
  );
  await page.waitForSelector(`main[data-page="${id}"] .card`, { timeout: 15_000 });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function text(selector: string): Promise<string> {
  return page.locator(selector).first().innerText();
}

/** Waits until the page shows `expected` inside `selector` (a live update, never a reload). */
async function showsText(selector: string, expected: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    ([where, what]) =>
      Array.from(document.querySelectorAll(where as string)).some((node) =>
        node.innerText.includes(what as string),
      ),
    [selector, expected],
    { timeout },
  );
}

async function chartTotal(id: string): Promise<number> {
  return Number(await page.locator(`[data-chart="${id}"]`).getAttribute("data-total"));
}

describe.skipIf(!HAVE_CHROMIUM)("the local console in Chromium", () => {
  beforeAll(async () => {
    shots = mkdtempSync(join(tmpdir(), "console-screenshots-"));
    process.stdout.write(`console screenshots: ${shots}\n`);
    local = await startLocal(undefined, { stopGraceMs: 1_000, maxTrainingJobs: 4 });
    const config = clientConfig(local.server);

    // Two training jobs with metric definitions in one experiment (a trial each), and one that runs until stopped.
    await local.sm.send(new CreateExperimentCommand({ ExperimentName: names.experiment }));
    for (const trial of ["a", "b"])
      await local.sm.send(
        new CreateTrialCommand({
          TrialName: `${names.experiment}-${trial}`,
          ExperimentName: names.experiment,
        }),
      );
    for (const [name, script, trial, learningRate] of [
      [names.short, SHORT_SCRIPT, "a", "0.15"],
      [names.second, SHORT_SCRIPT, "b", "0.3"],
      [names.long, LONG_SCRIPT, undefined, "0.15"],
    ] as const) {
      const request = await scriptTrainingJob(local.s3, BUCKET, name, script);
      request.AlgorithmSpecification = {
        TrainingInputMode: "File",
        ...request.AlgorithmSpecification,
        MetricDefinitions: METRICS,
      };
      request.HyperParameters = {
        ...request.HyperParameters,
        epochs: '"3"',
        learning_rate: `"${learningRate}"`,
      };
      if (trial)
        request.ExperimentConfig = {
          ExperimentName: names.experiment,
          TrialName: `${names.experiment}-${trial}`,
        };
      await local.sm.send(new CreateTrainingJobCommand(request));
    }

    // An endpoint, called a few times; a scalable target and policy on its variant; an alarm on its metric.
    const deployed = await deploy(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL }));
    names.endpoint = deployed.endpoint;
    names.model = deployed.model;
    names.config = deployed.config;
    await invoke(5);
    const scaling = new ApplicationAutoScalingClient(config);
    const resourceId = `endpoint/${names.endpoint}/variant/AllTraffic`;
    const dimension = "sagemaker:variant:DesiredInstanceCount";
    await scaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: dimension,
        MinCapacity: 1,
        MaxCapacity: 3,
      }),
    );
    await scaling.send(
      new PutScalingPolicyCommand({
        PolicyName: "invocations-target",
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: dimension,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 1000,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        },
      }),
    );
    scaling.destroy();
    const cloudwatch = new CloudWatchClient(config);
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: names.alarm,
        Namespace: "AWS/SageMaker",
        MetricName: "Invocation5XXErrors",
        Dimensions: [
          { Name: "EndpointName", Value: names.endpoint },
          { Name: "VariantName", Value: "AllTraffic" },
        ],
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    cloudwatch.destroy();

    // A Lambda function, called twice (one cold start).
    const lambda = new LambdaClient(config);
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: names.lambda,
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Role: "arn:aws:iam::000000000000:role/lambda",
        Code: { ZipFile: zipOf({ "index.js": "exports.handler = async (event) => ({ echoed: event });" }) },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 30 },
      { FunctionName: names.lambda },
    );
    for (let i = 0; i < 2; i++)
      await lambda.send(
        new InvokeCommand({ FunctionName: names.lambda, Payload: Buffer.from(`{"n":${i}}`) }),
      );
    lambda.destroy();

    // Objects to browse, and a batch transform of a JSON Lines file with the endpoint's model.
    await local.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "console/notes/preview.json",
        Body: JSON.stringify({ 리뷰: "정말 재미있어요", label: 1 }),
        ContentType: "application/json",
      }),
    );
    await local.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "console/batch/input.jsonl",
        Body: '{"inputs": "최고"}\n{"inputs": "별로"}\n',
      }),
    );
    await local.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "console/code/prep.js", Body: PROCESSING_SCRIPT }),
    );
    const processingInput = (name: string, uri: string, path: string) => ({
      InputName: name,
      S3Input: {
        S3Uri: uri,
        LocalPath: path,
        S3DataType: "S3Prefix" as const,
        S3InputMode: "File" as const,
        S3DataDistributionType: "FullyReplicated" as const,
      },
    });
    await local.sm.send(
      new CreateProcessingJobCommand({
        ProcessingJobName: names.processing,
        RoleArn: "arn:aws:iam::000000000000:role/SageMakerRole",
        ProcessingResources: {
          ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
        },
        AppSpecification: {
          ImageUri: "ko-sagemaker/processing",
          ContainerEntrypoint: ["node", "/opt/ml/processing/input/code/prep.js"],
          ContainerArguments: ["/opt/ml/processing/input/data", "/opt/ml/processing/prepared"],
        },
        ProcessingInputs: [
          processingInput("data", `s3://${BUCKET}/console/batch/`, "/opt/ml/processing/input/data"),
          processingInput("code", `s3://${BUCKET}/console/code/prep.js`, "/opt/ml/processing/input/code"),
        ],
        ProcessingOutputConfig: {
          Outputs: [
            {
              OutputName: "prepared",
              S3Output: {
                S3Uri: `s3://${BUCKET}/console/prepared`,
                LocalPath: "/opt/ml/processing/prepared",
                S3UploadMode: "EndOfJob",
              },
            },
          ],
        },
        StoppingCondition: { MaxRuntimeInSeconds: 60 },
      }),
    );
    await local.sm.send(
      new CreateTransformJobCommand({
        TransformJobName: names.transform,
        ModelName: names.model,
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/console/batch/` } },
          ContentType: "application/json",
          SplitType: "Line",
        },
        TransformOutput: { S3OutputPath: `s3://${BUCKET}/console/batch-out`, AssembleWith: "Line" },
        TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
        BatchStrategy: "SingleRecord",
      }),
    );
    // A pipeline: a cached training step, a registration for manual approval, and a condition whose else branch
    // (a Fail step) is not taken. It runs twice: the second run reuses the training step from the cache.
    const sourceDir = await putObject(
      local.s3,
      BUCKET,
      "console/pipeline/sourcedir.tar.gz",
      await archiveOf({ "train.js": TRAIN_SCRIPT }),
    );
    await putObject(local.s3, BUCKET, "console/pipeline/train/train.tsv", "좋아요\t1\n별로\t0\n");
    await createPipeline(
      local.sm,
      names.pipeline,
      definition(
        [
          {
            Name: "Train",
            Type: "Training",
            Arguments: trainingArguments({
              bucket: BUCKET,
              sourceDir,
              train: `s3://${BUCKET}/console/pipeline/train`,
              // Hyperparameters are strings: the SDK joins an Integer parameter into one.
              hyperparameters: { epochs: { "Std:Join": { On: "", Values: [{ Get: "Parameters.Epochs" }] } } },
            }),
            CacheConfig: { Enabled: true, ExpireAfter: "PT1H" },
          },
          {
            Name: "Register",
            Type: "RegisterModel",
            Arguments: {
              ModelPackageGroupName: names.group,
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
            },
          },
          {
            Name: "CheckEpochs",
            Type: "Condition",
            DependsOn: ["Register"],
            Arguments: {
              Conditions: [
                { Type: "GreaterThanOrEqualTo", LeftValue: { Get: "Parameters.Epochs" }, RightValue: 1 },
              ],
              IfSteps: [],
              ElseSteps: [{ Name: "TooFewEpochs", Type: "Fail", Arguments: { ErrorMessage: "epochs < 1" } }],
            },
          },
        ],
        [{ Name: "Epochs", Type: "Integer", DefaultValue: 2 }],
      ),
    );
    names.executions.push(await start(local.sm, names.pipeline));

    for (const name of [names.short, names.second]) {
      await until("the short training jobs", async () => {
        const job = await local.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
        if (job.TrainingJobStatus === "Failed") throw new Error(`training failed: ${job.FailureReason}`);
        return job.TrainingJobStatus === "Completed" || undefined;
      });
    }
    await until("the processing job", async () => {
      const job = await local.sm.send(
        new DescribeProcessingJobCommand({ ProcessingJobName: names.processing }),
      );
      if (job.ProcessingJobStatus === "Failed") throw new Error(`processing failed: ${job.FailureReason}`);
      return job.ProcessingJobStatus === "Completed" || undefined;
    });
    await until("the transform job", async () => {
      const job = await local.sm.send(new DescribeTransformJobCommand({ TransformJobName: names.transform }));
      if (job.TransformJobStatus === "Failed") throw new Error(`transform failed: ${job.FailureReason}`);
      return job.TransformJobStatus === "Completed" || undefined;
    });

    // The second execution starts after the first succeeded, so that its training step can be a cache hit.
    const first = await waitForExecution(local.sm, names.executions[0] as string);
    expect(
      first.PipelineExecutionStatus,
      JSON.stringify(await stepsOf(local.sm, first.PipelineExecutionArn as string)),
    ).toBe("Succeeded");
    names.executions.push(await start(local.sm, names.pipeline));
    const second = await waitForExecution(local.sm, names.executions[1] as string);
    expect(
      second.PipelineExecutionStatus,
      JSON.stringify(await stepsOf(local.sm, second.PipelineExecutionArn as string)),
    ).toBe("Succeeded");

    // A page of another origin on this machine (another local server's page), for the cross-site checks.
    foreign = createServer((_req, res) => res.end("<!doctype html><title>another site</title>"));
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));

    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    context = await browser.newContext({ viewport: { width: 1366, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (foreign ? foreign.close(() => resolve()) : resolve()));
    await stopLocal(local);
  });

  it("refuses a browser that has no sign-in link", async () => {
    const answer = await page.goto(`${local.server.url}/_console/`);
    expect(answer?.status()).toBe(401);
    expect(await page.locator("body").innerText()).toContain("npm run console");
    await shot("00-refused");
  });

  it("signs in with the link: an HttpOnly SameSite=Strict cookie, and the overview counts what runs", async () => {
    await page.goto(consoleSignInUrl(local.server.url, local.server.credentials));
    await page.waitForSelector('[data-testid="counts"]');
    const [cookie] = await context.cookies(`${local.server.url}/_console/`);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/_console" });
    expect(page.url()).not.toContain("key=");
    // The three jobs made here and the pipeline's one training job (its second execution reused it).
    expect(await page.locator('[data-count="trainingJobs"] .tile-count').innerText()).toBe("4");
    expect(await page.locator('[data-count="processingJobs"] .tile-count').innerText()).toBe("1");
    // This test's experiment, and the pipeline's (the SDK's default experiment config names the pipeline).
    expect(await page.locator('[data-count="experimentCount"] .tile-count').innerText()).toBe("2");
    expect(await page.locator('[data-count="pipelineCount"] .tile-count').innerText()).toBe("1");
    expect(await page.locator('[data-count="packageGroupCount"] .tile-count').innerText()).toBe("1");
    expect(await page.locator('[data-count="endpoints"] .tile-count').innerText()).toBe("1");
    expect(await page.locator('[data-count="lambdaFunctions"] .tile-count').innerText()).toBe("1");
    const running = await text('[data-testid="running"]');
    expect(running).toContain(names.long);
    expect(running).toContain(names.endpoint);
    await shot("01-overview");
  });

  it("shows a training job: status history, hyperparameters, channels, metric charts, log and artifact", async () => {
    await open("training");
    const list = await text('[data-testid="jobs"]');
    expect(list).toContain(names.short);
    expect(list).toContain(names.long);
    await shot("02-training-jobs");
    await page.locator(`a:text-is("${names.short}")`).click();
    await page.waitForSelector('main[data-page="training-job"] [data-testid="timeline"]');
    expect(await page.locator('[data-testid="timeline"] li').count()).toBeGreaterThanOrEqual(4);
    expect(await text("main")).toContain("learning_rate");
    expect(await text('[data-testid="channels"]')).toContain("train");
    expect(await text('[data-testid="final-metrics"]')).toContain("eval_accuracy");
    await page.waitForSelector('[data-chart="metric-eval_accuracy"] .main-svg');
    expect(
      Number(await page.locator('[data-chart="metric-eval_accuracy"]').getAttribute("data-points")),
    ).toBeGreaterThan(0);
    expect(await text('[data-testid="log"]')).toContain("eval_accuracy=0.900");
    expect(await text("main")).toContain(`${names.short}/output/model.tar.gz`);
    await shot("03-training-job");
  });

  it("stops a running job with its button, and the page follows it to Stopped without a reload", async () => {
    await open("training-job", { name: names.long });
    await page.evaluate(() => {
      window.notReloaded = true;
    });
    await page.locator('[data-testid="stop"]').click();
    await page.locator('[data-testid="stop"]').click(); // the confirmation
    await showsText("main .kv", "Stopped");
    expect(await page.evaluate(() => window.notReloaded)).toBe(true);
    const job = await local.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: names.long }));
    expect(job.TrainingJobStatus).toBe("Stopped");
    await shot("04-training-job-stopped");
  });

  it("shows the processing job with its inputs, outputs and log", async () => {
    await open("processing");
    expect(await text('[data-testid="jobs"]')).toContain(names.processing);
    await open("processing-job", { name: names.processing });
    expect(await text("main .kv")).toContain("Completed");
    expect(await text('[data-testid="outputs"]')).toContain("console/prepared");
    expect(await text('[data-testid="log"]')).toContain("prepared 2 rows");
    await shot("05-processing-job");
  });

  it("compares an experiment's runs: their parameters, final metrics and a chart per metric", async () => {
    await open("experiments");
    expect(await text('[data-testid="experiments"]')).toContain(names.experiment);
    await open("experiment", { name: names.experiment });
    const runs = await text('[data-testid="runs"]');
    expect(runs).toContain(names.short);
    expect(runs).toContain(names.second);
    expect(runs).toContain("learning_rate");
    expect(runs).toContain("0.3");
    expect(runs).toContain("eval_accuracy");
    expect(runs).toContain("0.9000");
    await page.waitForSelector('[data-chart="compare-eval_accuracy"] .main-svg');
    await shot("05-experiment");
  });

  it("draws a pipeline execution's DAG with each step's status, cache hits and times", async () => {
    await open("pipelines");
    expect(await text('[data-testid="pipelines"]')).toContain(names.pipeline);
    await open("pipeline", { name: names.pipeline });
    expect(await page.locator('[data-testid="executions"] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-testid="dag"] [data-step]').count()).toBe(4);
    await shot("06-pipeline");

    const [firstId, secondId] = names.executions.map((arn) => arn.split("/").at(-1) as string);
    await page.locator(`a[href*="execution=${secondId}"]`).first().click();
    await page.waitForSelector('main[data-page="pipeline-execution"] [data-testid="dag"]');
    const node = (step: string) => page.locator(`[data-testid="dag"] [data-step="${step}"]`);
    expect(await node("Train").getAttribute("data-status")).toBe("Succeeded");
    expect(await node("Train").getAttribute("data-cache")).toBe("hit");
    expect(await node("Register").getAttribute("data-status")).toBe("Succeeded");
    expect(await node("CheckEpochs").getAttribute("data-status")).toBe("Succeeded");
    // The else branch was not taken.
    expect(await node("TooFewEpochs").getAttribute("data-status")).toBe("Skipped");
    expect(await node("Register").textContent()).toMatch(/Succeeded · \d+\.\d s/);
    const steps = await text('[data-testid="steps"]');
    expect(steps).toContain(firstId);
    expect(steps).toContain("True");
    expect(steps).toContain(`${names.group} v2`);
    expect(await page.locator('[data-testid="timeline"] li').count()).toBe(3);
    await shot("07-pipeline-execution");
  });

  it("approves a registered version with its button, and the page follows without a reload", async () => {
    await open("registry");
    const groups = await text('[data-testid="groups"]');
    expect(groups).toContain(names.group);
    expect(groups).toContain("PendingManualApproval");
    await open("model-package-group", { name: names.group });
    expect(await page.locator('[data-testid="packages"] tbody tr').count()).toBe(2);
    expect(await text('[data-testid="packages"]')).toContain(names.pipeline);
    await shot("08-model-registry");
    // First click asks, the second calls UpdateModelPackage.
    await page.locator('[data-testid="approve-2"]').click();
    await page.locator('[data-testid="approve-2"]').click();
    await showsText('[data-approval="2"]', "Approved");
    await page.locator('[data-testid="reject-1"]').click();
    await page.locator('[data-testid="reject-1"]').click();
    await showsText('[data-approval="1"]', "Rejected");
    const approved = await local.sm.send(
      new DescribeModelPackageCommand({ ModelPackageName: `${names.group}/2` }),
    );
    expect(approved).toMatchObject({
      ModelApprovalStatus: "Approved",
      ApprovalDescription: "Approved in the local console",
    });
    await shot("09-model-registry-approved");
  });

  it("shows the transform job with its input, output objects and log", async () => {
    await open("transform");
    expect(await text('[data-testid="jobs"]')).toContain(names.transform);
    await shot("05-transform-jobs");
    await open("transform-job", { name: names.transform });
    const main = await text("main");
    expect(main).toContain("Completed");
    expect(main).toContain("input.jsonl.out");
    await shot("06-transform-job");
  });

  it("lists models and endpoint configs", async () => {
    await open("models");
    expect(await text('[data-testid="models"]')).toContain(names.model);
    expect(await text('[data-testid="configs"]')).toContain(names.config);
    await shot("07-models");
    await open("model", { name: names.model });
    expect(await text("main")).toContain(names.config);
    await open("endpoint-config", { name: names.config });
    expect(await text("main")).toContain(names.endpoint);
    await shot("08-endpoint-config");
  });

  it("shows an endpoint: variants, containers with pids, autoscaling, and Invocations charts that follow new calls", async () => {
    await open("endpoints");
    expect(await text('[data-testid="endpoints"]')).toContain(names.endpoint);
    await shot("09-endpoints");
    await open("endpoint", { name: names.endpoint });
    expect(await text('[data-testid="variants"]')).toContain("AllTraffic");
    const containers = await text('[data-testid="containers"]');
    expect(containers).toMatch(/\b\d{2,}\b/); // a pid
    expect(containers).toContain("ready");
    expect(await text('[data-testid="scaling-targets"]')).toContain("1 / 3");
    expect(await text('[data-testid="scaling-policies"]')).toContain("invocations-target");
    await page.waitForSelector('[data-chart="invocations"] .main-svg');
    await page.waitForSelector('[data-chart="model-latency"] .main-svg');
    const before = await until(
      "the first invocations on the chart",
      async () => (await chartTotal("invocations")) >= 5 || undefined,
    );
    expect(before).toBe(true);
    await invoke(3);
    await page.waitForFunction(
      () => Number(document.querySelector('[data-chart="invocations"]')?.getAttribute("data-total")) >= 8,
      undefined,
      {
        timeout: 20_000,
      },
    );
    await shot("10-endpoint");
  });

  it("shows the Lambda function's invocations, cold start, environments and log", async () => {
    await open("lambda");
    expect(await text('[data-testid="functions"]')).toContain(names.lambda);
    await shot("11-lambda-functions");
    await open("lambda-function", { name: names.lambda });
    expect(
      await page.locator('[data-testid="lambda-counts"] [data-count="invocations"] .tile-count').innerText(),
    ).toBe("2");
    expect(
      await page.locator('[data-testid="lambda-counts"] [data-count="coldStarts"] .tile-count').innerText(),
    ).toBe("1");
    expect(await text('[data-testid="environments"]')).toMatch(/idle/);
    expect(await text('[data-testid="log"]')).toContain("REPORT RequestId");
    await page.waitForSelector('[data-chart="invocations"] .main-svg');
    await shot("12-lambda-function");
  });

  it("browses S3 by bucket and prefix, previews JSON, and downloads an object", async () => {
    await open("s3");
    await page.locator(`a:text-is("${BUCKET}")`).click();
    await page.waitForSelector('[data-testid="prefixes"]');
    await page.locator('a:text-is("console/")').click();
    await page.waitForSelector('[data-testid="crumbs"] >> text=console');
    await page.locator('a:text-is("notes/")').click();
    await page.locator('a:text-is("preview.json")').click();
    await page.waitForSelector('[data-testid="preview"]');
    expect(await text('[data-testid="preview"]')).toContain('"리뷰": "정말 재미있어요"');
    await shot("13-s3-object");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator('[data-testid="download"]').click(),
    ]);
    const file = await download.path();
    expect(JSON.parse(readFileSync(file, "utf8")).label).toBe(1);
    await open("s3", { bucket: BUCKET, prefix: "console/batch-out/" });
    expect(await text('[data-testid="objects"]')).toContain("input.jsonl.out");
    await shot("14-s3-prefix");
  });

  it("lists log groups and searches a group with a filter pattern", async () => {
    await open("logs");
    expect(await text('[data-testid="log-groups"]')).toContain("/aws/sagemaker/TrainingJobs");
    await shot("15-log-groups");
    await open("logs", { group: "/aws/sagemaker/TrainingJobs" });
    await page.locator('[data-testid="log-search"]').fill("eval_accuracy");
    await page.locator('[data-testid="log-search"]').press("Enter");
    await page.waitForSelector('main [data-testid="log"]');
    const found = await text('main [data-testid="log"]');
    expect(found).toContain("eval_accuracy=0.700");
    expect(found).not.toContain("still training");
    await shot("16-log-search");
  });

  it("lists the alarms with their state", async () => {
    await open("alarms");
    expect(await text('[data-testid="alarms"]')).toContain(names.alarm);
    await shot("17-alarms");
  });

  it("switches between Korean and English", async () => {
    await open("overview");
    expect(await text('[data-testid="nav"]')).toContain("학습 작업");
    await page.locator('[data-testid="lang"]').click();
    await showsText('[data-testid="nav"]', "Training jobs", 5_000);
    await shot("18-overview-english");
    await page.locator('[data-testid="lang"]').click();
    await showsText('[data-testid="nav"]', "학습 작업", 5_000);
  });

  it("gives a page of another origin nothing: its POST is refused before it reaches the endpoint", async () => {
    const other = await context.newPage();
    await other.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    const outcome = await other.evaluate(async (url) => {
      const results: string[] = [];
      // A JSON POST needs a preflight, which local SageMaker refuses: fetch fails.
      try {
        await fetch(url, {
          method: "POST",
          credentials: "include",
          headers: { "Content-Type": "application/json" },
          body: "{}",
        });
        results.push("json answered");
      } catch {
        results.push("json refused");
      }
      // A "simple" POST goes without a preflight (and with the cookie: 127.0.0.1 is the same site): refused by Origin.
      await fetch(url, {
        method: "POST",
        credentials: "include",
        mode: "no-cors",
        body: '{"name":"x"}',
      }).catch(() => undefined);
      return results;
    }, `${local.server.url}/_console/api/action/delete-endpoint`);
    expect(outcome).toEqual(["json refused"]);
    await other.close();
    const endpoint = await local.sm.send(new DescribeEndpointCommand({ EndpointName: names.endpoint }));
    expect(endpoint.EndpointStatus).toBe("InService");
  });

  it("deletes the endpoint with its button; the list follows", async () => {
    await open("endpoint", { name: names.endpoint });
    await page.locator('[data-testid="delete"]').click();
    await page.locator('[data-testid="delete"]').click();
    await open("endpoints");
    await page.waitForFunction(
      (name) => !document.querySelector('[data-testid="endpoints"]')?.textContent?.includes(name as string),
      names.endpoint,
      { timeout: 30_000 },
    );
    await shot("19-endpoint-deleted");
  });
});

afterAll(() => {
  // The screenshots stay for people to look at; an empty folder (skipped suite) does not.
  if (shots && !existsSync(join(shots, "01-overview.png"))) rmSync(shots, { recursive: true, force: true });
});
