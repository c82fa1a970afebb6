import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import {
  DescribeTrialComponentCommand,
  ListTrialComponentsCommand,
  type ListTrialComponentsCommandOutput,
  type PipelineExecutionStep,
} from "@aws-sdk/client-sagemaker";
import { loadReviewCorpus, subsetDataset, workshopRoot } from "../data";
import { assertCostConsent, type CostItem, costNotice } from "../sagemaker/cost";
import { HuggingFaceEstimator } from "../sagemaker/estimator";
import { huggingFaceImageUri } from "../sagemaker/image-uris";
import { deleteLambda, LambdaModel, packLambdaZip } from "../sagemaker/lambda";
import { workshopTags } from "../sagemaker/naming";
import { ScriptProcessor, sklearnImageUri } from "../sagemaker/processor";
import { s3Uri, uploadFile } from "../sagemaker/s3";
import type { WorkshopSession } from "../sagemaker/session";
import {
  CacheConfig,
  ConditionGreaterThanOrEqualTo,
  ConditionStep,
  definitionGraph,
  FailStep,
  Join,
  JsonGet,
  LambdaOutput,
  LambdaStep,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  ProcessingStep,
  PropertyFile,
  RegisterModel,
  summarizeSteps,
  TrainingStep,
} from "../sagemaker/workflow";
import { sentimentTrainingPlan, servingInstanceType } from "./sentiment";

/**
 * Lab 5.3's plan: the workshop's pipeline (prepare NSMC → train → evaluate → accuracy ≥ threshold → register the
 * version and deploy it with a Lambda step, else fail), built once here so the notebook shows the ideas and not the
 * plumbing. What differs between the modes is decided here too: locally the scripts are TypeScript run by the
 * built-in processing runtime and train.ts trains the workshop classifier; on AWS the same steps run preprocess.py on
 * the scikit-learn image, train.py (KoELECTRA) on the Hugging Face training DLC and evaluate.py on the HF DLC.
 */

export const PIPELINE_LAB = "5.3";
export const SENTIMENT_PIPELINE = "nsmc-sentiment-pipeline";
export const SENTIMENT_PACKAGE_GROUP = "nsmc-sentiment-pipeline";
export const PIPELINE_ENDPOINT = "nsmc-pipeline-endpoint";
export const DEPLOY_FUNCTION = "ko-sagemaker-5-3-deploy";

/** `labs/5_Production/pipeline`: the processing scripts and the Lambda handler. */
export const pipelineScriptsDir = (): string => join(workshopRoot(), "labs", "5_Production", "pipeline");

export interface RawReviews {
  /** The S3 prefix holding ratings_train.txt and ratings_test.txt (NSMC's raw layout). */
  uri: string;
  source: "nsmc" | "sample";
  trainRows: number;
  testRows: number;
  note: string;
}

const nsmcText = (dataset: { texts: string[]; labels: string[]; ids?: string[] }): string =>
  [
    "id\tdocument\tlabel",
    ...dataset.texts.map(
      (text, i) => `${dataset.ids?.[i] ?? i + 1}\t${text.replace(/[\t\r\n]+/g, " ")}\t${dataset.labels[i]}`,
    ),
  ].join("\n");

/**
 * Uploads the raw reviews the pipeline's first step cleans and splits: NSMC's two files as they are (a quick run
 * uploads seeded subsets of them, as 3.1's quick mode keeps), or the sample reviews in NSMC's layout when NSMC is
 * absent.
 */
export async function uploadRawReviews(
  session: WorkshopSession,
  options: { quick: boolean },
): Promise<RawReviews> {
  assertCostConsent(session.config, "the raw reviews uploaded to S3");
  const corpus = loadReviewCorpus({ seed: 42 });
  const train = options.quick ? subsetDataset(corpus.train, 6000, 42) : corpus.train;
  const test = options.quick ? subsetDataset(corpus.test, 2000, 43) : corpus.test;
  const bucket = await session.defaultBucket();
  const prefix = s3Uri(
    bucket,
    "nsmc-pipeline",
    "raw",
    `${corpus.source}-${options.quick ? "quick" : "full"}`,
  );
  const work = await mkdtemp(join(tmpdir(), "ko-sagemaker-raw-"));
  try {
    for (const [name, dataset] of [
      ["ratings_train.txt", train],
      ["ratings_test.txt", test],
    ] as const) {
      const file = join(work, name);
      await writeFile(file, `${nsmcText(dataset)}\n`);
      await uploadFile(session.s3, file, `${prefix}/${name}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return {
    uri: prefix,
    source: corpus.source,
    trainRows: train.texts.length,
    testRows: test.texts.length,
    note: `${corpus.note}${options.quick && corpus.source === "nsmc" ? " Quick run: seeded subsets of 6,000 training and 2,000 test reviews." : ""}`,
  };
}

/** The deploy function the Lambda step calls (recreated when the lab runs again). */
export async function createDeployFunction(
  session: WorkshopSession,
): Promise<{ functionName: string; functionArn: string }> {
  await deleteLambda(session, DEPLOY_FUNCTION);
  const model = new LambdaModel(session, {
    zip: packLambdaZip(join(pipelineScriptsDir(), "deploy")),
    lab: PIPELINE_LAB,
    description: "ko-sagemaker lab 5.3: deploys a registered model version to an endpoint",
  });
  await model.deploy({ functionName: DEPLOY_FUNCTION, timeout: 120, memorySize: 256 });
  const described = await session.lambda.send(new GetFunctionCommand({ FunctionName: DEPLOY_FUNCTION }));
  return { functionName: DEPLOY_FUNCTION, functionArn: described.Configuration?.FunctionArn as string };
}

export interface SentimentPipeline {
  pipeline: Pipeline;
  parameters: { inputData: ParameterString; epochs: ParameterInteger; threshold: ParameterFloat };
  steps: {
    prepare: ProcessingStep;
    train: TrainingStep;
    evaluate: ProcessingStep;
    check: ConditionStep;
    register: RegisterModel;
    deploy: LambdaStep;
    tooLow: FailStep;
  };
  /** The value the condition reads: the evaluation's accuracy, from its property file. */
  accuracy: JsonGet;
}

/** Instance types and prices the AWS run uses, for the cost notice. */
export function pipelineCostItems(session: WorkshopSession, options: { quick: boolean }): CostItem[] {
  const plan = sentimentTrainingPlan(session, options);
  return [
    { what: "processing job (prepare)", instanceType: "ml.m5.xlarge", hours: 0.1 },
    { what: "training job", instanceType: plan.instanceType, hours: plan.estimatedHours },
    { what: "processing job (evaluate, GPU)", instanceType: "ml.g4dn.xlarge", hours: 0.2 },
    { what: "endpoint (billed until deleted)", instanceType: servingInstanceType(session) },
  ];
}

export function pipelineCostNotice(session: WorkshopSession, options: { quick: boolean }): string {
  return costNotice(session.config, pipelineCostItems(session, options));
}

export function buildSentimentPipeline(
  session: WorkshopSession,
  options: { quick: boolean; inputData: string; functionArn: string; epochs?: number; threshold?: number },
): SentimentPipeline {
  const local = session.mode === "local";
  const scripts = pipelineScriptsDir();
  const inputData = new ParameterString({ name: "InputData", defaultValue: options.inputData });
  const epochs = new ParameterInteger({
    name: "Epochs",
    defaultValue: options.epochs ?? (options.quick ? 1 : 3),
  });
  const threshold = new ParameterFloat({ name: "AccuracyThreshold", defaultValue: options.threshold ?? 0.7 });
  const cache = new CacheConfig({ enableCaching: true, expireAfter: "P30D" });

  // Locally the scikit-learn image and the HF DLC are the built-in processing runtime, which runs TypeScript too.
  const prepareProcessor = new ScriptProcessor(session, {
    imageUri: sklearnImageUri(session.region, "1.2-1"),
    command: local ? ["tsx"] : ["python3"],
    instanceType: "ml.m5.xlarge",
    baseJobName: "nsmc-prepare",
    lab: PIPELINE_LAB,
  });
  const prepare = new ProcessingStep({
    name: "PrepareData",
    processor: prepareProcessor,
    code: join(scripts, local ? "preprocess.ts" : "preprocess.py"),
    inputs: [{ source: inputData, destination: "/opt/ml/processing/input", inputName: "raw" }],
    outputs: ["train", "validation", "test"].map((name) => ({
      outputName: name,
      source: `/opt/ml/processing/${name}`,
    })),
    jobArguments: [
      "--input",
      "/opt/ml/processing/input",
      "--train",
      "/opt/ml/processing/train",
      "--validation",
      "/opt/ml/processing/validation",
      "--test",
      "/opt/ml/processing/test",
      "--quick",
      String(options.quick),
    ],
    cacheConfig: cache,
  });

  const plan = sentimentTrainingPlan(session, options);
  const outputs = prepare.properties.ProcessingOutputConfig.Outputs;
  const train = new TrainingStep({
    name: "TrainSentiment",
    estimator: new HuggingFaceEstimator(session, { ...plan, lab: PIPELINE_LAB }),
    inputs: { train: outputs.train.S3Output.S3Uri, validation: outputs.validation.S3Output.S3Uri },
    hyperparameters: { epochs },
    cacheConfig: cache,
  });

  const report = new PropertyFile({
    name: "EvaluationReport",
    outputName: "evaluation",
    path: "evaluation.json",
  });
  const evaluate = new ProcessingStep({
    name: "EvaluateModel",
    processor: new ScriptProcessor(session, {
      imageUri: huggingFaceImageUri({ scope: "training", region: session.region, processor: "gpu" }),
      command: local ? ["tsx"] : ["python3"],
      instanceType: local ? "ml.m5.xlarge" : "ml.g4dn.xlarge",
      baseJobName: "nsmc-evaluate",
      lab: PIPELINE_LAB,
    }),
    code: join(scripts, local ? "evaluate.ts" : "evaluate.py"),
    inputs: [
      {
        source: train.properties.ModelArtifacts.S3ModelArtifacts,
        destination: "/opt/ml/processing/model",
        inputName: "model",
      },
      { source: outputs.test.S3Output.S3Uri, destination: "/opt/ml/processing/test", inputName: "test" },
    ],
    outputs: [{ outputName: "evaluation", source: "/opt/ml/processing/evaluation" }],
    jobArguments: [
      "--model",
      "/opt/ml/processing/model",
      "--test",
      "/opt/ml/processing/test",
      "--output",
      "/opt/ml/processing/evaluation",
    ],
    propertyFiles: [report],
    cacheConfig: cache,
  });
  const accuracy = new JsonGet({
    step: evaluate,
    propertyFile: report,
    jsonPath: "binary_classification_metrics.accuracy.value",
  });

  const register = new RegisterModel({
    name: "RegisterModel",
    imageUri: huggingFaceImageUri({
      scope: "inference",
      region: session.region,
      instanceType: servingInstanceType(session),
    }),
    modelData: train.properties.ModelArtifacts.S3ModelArtifacts,
    modelPackageGroupName: SENTIMENT_PACKAGE_GROUP,
    approvalStatus: "PendingManualApproval",
    contentTypes: ["application/json"],
    responseTypes: ["application/json"],
    inferenceInstances: [servingInstanceType(session)],
    transformInstances: [servingInstanceType(session)],
    modelStatistics: {
      s3Uri: new Join({
        on: "/",
        values: [
          evaluate.properties.ProcessingOutputConfig.Outputs.evaluation.S3Output.S3Uri,
          "evaluation.json",
        ],
      }),
    },
    customerMetadataProperties: { accuracy, epochs },
    modelPackageDescription: "Korean sentiment (NSMC), registered by the lab 5.3 pipeline",
    lab: PIPELINE_LAB,
  });
  const deploy = new LambdaStep({
    name: "DeployModel",
    functionArn: options.functionArn,
    inputs: {
      model_package_arn: register.properties.ModelPackageArn,
      endpoint_name: PIPELINE_ENDPOINT,
      instance_type: servingInstanceType(session),
      role: session.roleArn(),
      tags: Object.fromEntries(workshopTags(PIPELINE_LAB).map((tag) => [tag.Key, tag.Value])),
    },
    outputs: [
      new LambdaOutput({ outputName: "endpoint_name" }),
      new LambdaOutput({ outputName: "model_name" }),
      new LambdaOutput({ outputName: "action" }),
    ],
  });
  const tooLow = new FailStep({
    name: "AccuracyTooLow",
    errorMessage: new Join({
      on: " ",
      values: ["Accuracy", accuracy, "is below the threshold", threshold, "so the model was not registered."],
    }),
  });
  const check = new ConditionStep({
    name: "CheckAccuracy",
    conditions: [new ConditionGreaterThanOrEqualTo({ left: accuracy, right: threshold })],
    ifSteps: [register, deploy],
    elseSteps: [tooLow],
  });
  const pipeline = new Pipeline(session, {
    name: SENTIMENT_PIPELINE,
    parameters: [inputData, epochs, threshold],
    steps: [prepare, train, evaluate, check],
    description: "Lab 5.3: NSMC prepare, train, evaluate, register and deploy",
    lab: PIPELINE_LAB,
  });
  return {
    pipeline,
    parameters: { inputData, epochs, threshold },
    steps: { prepare, train, evaluate, check, register, deploy, tooLow },
    accuracy,
  };
}

const STATUS_COLORS: Record<string, string> = {
  Succeeded: "#2e7d32",
  Cached: "#81c784",
  Failed: "#c62828",
  Executing: "#1565c0",
  Starting: "#1565c0",
  Stopping: "#ef6c00",
  Stopped: "#ef6c00",
  "Not run": "#bdbdbd",
};

/**
 * The pipeline's DAG as a plotly figure: one box per step (placed by its level), arrows for its dependencies
 * (a condition's branches labelled True/False), coloured by how the step went in this execution, with its time.
 */
export function pipelineDagFigure(
  definition: string,
  steps: readonly PipelineExecutionStep[],
  title: string,
) {
  const { nodes, edges } = definitionGraph(definition);
  const runs = summarizeSteps(steps);
  const position = new Map(nodes.map((node) => [node.name, { x: node.level, y: -node.row }]));
  const state = (name: string): string => {
    const run = runs.get(name);
    if (!run) return "Not run";
    return run.cachedFrom && run.status === "Succeeded" ? "Cached" : run.status;
  };
  const label = (name: string): string => {
    const run = runs.get(name);
    const time = run?.seconds === undefined ? "" : `<br>${run.seconds.toFixed(1)} s`;
    return `<b>${name}</b><br>${state(name)}${time}`;
  };
  const edgeTraces = edges.map((edge) => {
    const from = position.get(edge.from) ?? { x: 0, y: 0 };
    const to = position.get(edge.to) ?? { x: 0, y: 0 };
    return {
      type: "scatter",
      mode: "lines",
      x: [from.x, to.x],
      y: [from.y, to.y],
      line: {
        color: edge.label === "False" ? "#e57373" : "#9e9e9e",
        width: 2,
        dash: edge.label ? "dot" : "solid",
      },
      hoverinfo: "skip",
      showlegend: false,
    };
  });
  const annotations = edges.flatMap((edge) => {
    const from = position.get(edge.from) ?? { x: 0, y: 0 };
    const to = position.get(edge.to) ?? { x: 0, y: 0 };
    return [
      {
        x: to.x,
        y: to.y,
        ax: from.x,
        ay: from.y,
        xref: "x",
        yref: "y",
        axref: "x",
        ayref: "y",
        showarrow: true,
        arrowhead: 2,
        arrowsize: 1.2,
        standoff: 28,
        startstandoff: 28,
        arrowcolor: "#9e9e9e",
        text: "",
      },
      ...(edge.label
        ? [
            {
              x: (from.x + to.x) / 2,
              y: (from.y + to.y) / 2,
              text: edge.label,
              showarrow: false,
              font: { size: 11 },
            },
          ]
        : []),
    ];
  });
  const states = [...new Set(nodes.map((node) => state(node.name)))];
  const nodeTraces = states.map((status) => {
    const group = nodes.filter((node) => state(node.name) === status);
    return {
      type: "scatter",
      mode: "markers+text",
      name: status,
      x: group.map((node) => node.level),
      y: group.map((node) => -node.row),
      text: group.map((node) => label(node.name)),
      textposition: "bottom center",
      hovertext: group.map(
        (node) => `${node.name} (${node.type}): ${runs.get(node.name)?.failureReason ?? state(node.name)}`,
      ),
      hoverinfo: "text",
      marker: {
        size: 34,
        symbol: "square",
        color: STATUS_COLORS[status] ?? "#757575",
        line: { width: 1, color: "#424242" },
      },
    };
  });
  const rows = Math.max(...nodes.map((node) => node.row), 0);
  return {
    data: [...edgeTraces, ...nodeTraces],
    layout: {
      title: { text: title },
      xaxis: { visible: false, range: [-0.5, Math.max(...nodes.map((node) => node.level)) + 0.5] },
      yaxis: { visible: false, range: [-rows - 0.9, 0.6] },
      annotations,
      height: 260 + 90 * rows,
      legend: { orientation: "h" },
    },
  };
}

/** One row per step: type, status, seconds, what it ran or reused. */
export function stepTable(definition: string, steps: readonly PipelineExecutionStep[]) {
  const types = new Map(definitionGraph(definition).nodes.map((node) => [node.name, node.type]));
  return steps.map((step) => {
    const metadata = step.Metadata ?? {};
    const resource =
      metadata.ProcessingJob?.Arn ??
      metadata.TrainingJob?.Arn ??
      metadata.RegisterModel?.Arn ??
      metadata.Lambda?.Arn ??
      metadata.Model?.Arn ??
      "";
    const detail = metadata.Condition
      ? `Outcome ${metadata.Condition.Outcome}`
      : metadata.Fail
        ? metadata.Fail.ErrorMessage
        : metadata.Lambda?.OutputParameters
          ? metadata.Lambda.OutputParameters.map((output) => `${output.Name}=${output.Value}`).join(", ")
          : resource.split("/").slice(1).join("/");
    const seconds =
      step.StartTime && step.EndTime ? (step.EndTime.getTime() - step.StartTime.getTime()) / 1000 : undefined;
    return {
      단계: step.StepName ?? "",
      유형: types.get(step.StepName ?? "") ?? "",
      상태: step.StepStatus ?? "",
      "시간(초)": seconds === undefined ? "" : seconds.toFixed(2),
      캐시: step.CacheHitResult?.SourcePipelineExecutionArn?.split("/").at(-1) ?? "",
      "내용 (metadata)": detail ?? "",
    };
  });
}

export interface TrialComponentRow {
  execution: string;
  component: string;
  source: string;
  status: string;
  epochs: string;
  accuracy: string;
}

/** The trial components of each execution's trial (PipelineExperimentConfig: the execution id), for comparing runs. */
export async function trialComponentRows(
  session: WorkshopSession,
  executionIds: readonly string[],
): Promise<TrialComponentRow[]> {
  const rows: TrialComponentRow[] = [];
  for (const id of executionIds) {
    let listed: ListTrialComponentsCommandOutput;
    try {
      listed = await session.sagemaker.send(new ListTrialComponentsCommand({ TrialName: id }));
    } catch (error) {
      if (/does not exist|could not find/i.test((error as Error).message)) continue;
      throw error;
    }
    for (const summary of listed.TrialComponentSummaries ?? []) {
      const component = await session.sagemaker.send(
        new DescribeTrialComponentCommand({ TrialComponentName: summary.TrialComponentName as string }),
      );
      const parameter = component.Parameters?.epochs;
      const metric = component.Metrics?.find((entry) => entry.MetricName === "eval_accuracy");
      rows.push({
        execution: id,
        component: component.DisplayName ?? component.TrialComponentName ?? "",
        source: component.Source?.SourceType ?? "",
        status: component.Status?.PrimaryStatus ?? "",
        epochs: parameter ? String(parameter.NumberValue ?? parameter.StringValue ?? "") : "",
        accuracy: metric?.Last === undefined ? "" : metric.Last.toFixed(4),
      });
    }
  }
  return rows;
}
