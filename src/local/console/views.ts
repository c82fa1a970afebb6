/**
 * What the console's pages receive: plain JSON documents the read model makes from the services' typed APIs.
 * The page scripts import these types (type-only), so the server and the pages agree on one shape. Times are epoch
 * milliseconds; names and statuses are AWS's own; labels are the pages' business (they translate).
 */

export interface Point {
  /** Epoch ms. */
  t: number;
  v: number;
}

export interface Series {
  name: string;
  points: Point[];
}

/** One chart: a CloudWatch metric (or a few) over time. */
export interface Chart {
  id: string;
  /** The metric's name (the page may translate it). */
  title: string;
  unit: string;
  series: Series[];
}

export interface LogLine {
  t: number;
  stream: string;
  message: string;
}

/** A link to another page of the console: the page id and its parameters. */
export interface PageLink {
  page: string;
  params?: Record<string, string>;
}

export interface OverviewView {
  counts: { key: string; count: number; link: PageLink }[];
  running: { kind: string; name: string; status: string; since: number; link: PageLink }[];
  failures: { kind: string; name: string; reason: string; at: number; link: PageLink }[];
  alarms: { name: string; state: string; reason: string; at: number }[];
}

export interface JobRow {
  name: string;
  status: string;
  detail?: string;
  created: number;
  ended?: number;
}

export interface JobListView {
  jobs: JobRow[];
}

export interface TimelineStep {
  status: string;
  start: number;
  end?: number;
  message?: string;
}

export interface S3Location {
  uri: string;
  bucket?: string;
  key?: string;
  /** Set when the object exists: its size in bytes. */
  size?: number;
}

export interface TrainingJobView {
  name: string;
  arn: string;
  status: string;
  secondaryStatus: string;
  failureReason?: string;
  created: number;
  started?: number;
  ended?: number;
  seconds?: number;
  image: string;
  instanceType?: string;
  instanceCount?: number;
  maxRuntimeSeconds?: number;
  hyperparameters: Record<string, string>;
  channels: { name: string; uri: string; inputMode?: string; contentType?: string }[];
  outputPath: string;
  artifact: S3Location;
  timeline: TimelineStep[];
  metricDefinitions: { name: string; regex: string }[];
  finalMetrics: { name: string; value: number }[];
  charts: Chart[];
  logGroup: string;
  log: LogLine[];
  canStop: boolean;
}

export interface TransformJobView {
  name: string;
  arn: string;
  status: string;
  failureReason?: string;
  modelName: string;
  created: number;
  started?: number;
  ended?: number;
  timeline: TimelineStep[];
  input: { uri: string; dataType?: string; contentType?: string; splitType?: string; compression?: string };
  output: { uri: string; accept?: string; assembleWith?: string };
  outputs: S3Location[];
  instanceType?: string;
  instanceCount?: number;
  batchStrategy?: string;
  maxPayloadInMB?: number;
  maxConcurrentTransforms?: number;
  environment: Record<string, string>;
  logGroup: string;
  log: LogLine[];
  canStop: boolean;
}

export interface ContainerInfo {
  hostname?: string;
  image: string;
  modelDataUrl?: string;
  mode?: string;
  environment: Record<string, string>;
}

export interface VariantConfig {
  name: string;
  modelName: string;
  instanceType?: string;
  instanceCount?: number;
  weight: number;
  serverless?: { memoryMB?: number; maxConcurrency?: number; provisionedConcurrency?: number };
}

export interface ModelsView {
  models: { name: string; created: number; containers: number; image: string; mode: string }[];
  configs: { name: string; created: number; variants: VariantConfig[]; async: boolean }[];
}

export interface ModelView {
  name: string;
  arn: string;
  created: number;
  role?: string;
  mode: string;
  containers: ContainerInfo[];
  configs: string[];
}

export interface EndpointConfigView {
  name: string;
  arn: string;
  created: number;
  variants: VariantConfig[];
  async?: { outputPath?: string; failurePath?: string; maxConcurrentPerInstance?: number };
  endpoints: string[];
}

export interface EndpointRow {
  name: string;
  status: string;
  config: string;
  kind: "real-time" | "async" | "serverless";
  created: number;
  modified: number;
}

export interface EndpointsView {
  endpoints: EndpointRow[];
}

export interface ScalingView {
  targets: {
    resourceId: string;
    dimension: string;
    min: number;
    max: number;
    suspended: boolean;
  }[];
  policies: {
    name: string;
    type: string;
    resourceId: string;
    target?: number;
    metric?: string;
    scaleInCooldown?: number;
    scaleOutCooldown?: number;
    alarms: string[];
  }[];
  activities: {
    resourceId: string;
    status: string;
    description: string;
    cause: string;
    message?: string;
    start: number;
    end?: number;
  }[];
}

export interface EndpointView {
  name: string;
  arn: string;
  status: string;
  failureReason?: string;
  config: string;
  created: number;
  modified: number;
  kind: EndpointRow["kind"];
  variants: {
    name: string;
    currentWeight?: number;
    desiredWeight?: number;
    currentInstances?: number;
    desiredInstances?: number;
    serverless?: { memoryMB?: number; maxConcurrency?: number; provisionedConcurrency?: number };
    images: string[];
  }[];
  fleets: {
    fleet: "serving" | "new";
    endpointConfigName: string;
    trafficShare: number;
    variants: {
      VariantName: string;
      serverless: boolean;
      inFlight: number;
      instances: {
        instanceId: string;
        containers: { hostname: string; pid?: number; state: string; restarts: number }[];
      }[];
    }[];
  }[];
  deployment?: {
    config: string;
    started: number;
    stage?: string;
    message?: string;
    stageStarted?: number;
    variants: { name: string; desiredWeight?: number; desiredInstances?: number }[];
  };
  lastDeployment?: string;
  async?: { backlog: number; outputPath?: string; failurePath?: string; maxConcurrentPerInstance?: number };
  charts: Chart[];
  scaling: ScalingView;
  logGroup: string;
  log: LogLine[];
  canDelete: boolean;
}

export interface LambdaRow {
  name: string;
  runtime: string;
  state: string;
  memoryMB: number;
  timeoutS: number;
  modified: string;
  invocations: number;
  coldStarts: number;
  errors: number;
}

export interface LambdaListView {
  functions: LambdaRow[];
}

export interface LambdaFunctionView extends LambdaRow {
  arn: string;
  handler?: string;
  packageType: string;
  stateReason?: string;
  codeSize: number;
  throttles: number;
  lastInitDurationMs?: number;
  lastDurationMs?: number;
  lastInvokedAt?: number;
  environmentVariables: string[];
  environments: { id: string; state: string; pid?: number; lastUsed: number; logStream: string }[];
  charts: Chart[];
  logGroup: string;
  log: LogLine[];
}

export interface S3View {
  buckets?: { name: string; created: number }[];
  bucket?: string;
  prefix?: string;
  prefixes?: string[];
  objects?: { key: string; size: number; modified: number; contentType: string }[];
  truncated?: boolean;
}

export interface S3ObjectView {
  bucket: string;
  key: string;
  size: number;
  contentType: string;
  modified: number;
  etag: string;
  metadata: Record<string, string>;
  preview?: { kind: "json" | "text"; text: string; truncated: boolean };
}

export interface LogsView {
  groups?: { name: string; created: number; storedBytes: number }[];
  group?: string;
  streams?: { name: string; created: number; lastEvent?: number; storedBytes?: number }[];
  stream?: string;
  filter?: string;
  events?: LogLine[];
}

export interface AlarmsView {
  alarms: {
    name: string;
    state: string;
    reason: string;
    updated: number;
    namespace: string;
    metric: string;
    dimensions: string;
    statistic: string;
    period: number;
    comparison: string;
    threshold: number;
    evaluationPeriods: number;
    datapointsToAlarm?: number;
    actions: string[];
  }[];
  history: { name: string; at: number; summary: string }[];
}

export interface ProcessingJobView {
  name: string;
  arn: string;
  status: string;
  exitMessage?: string;
  failureReason?: string;
  created: number;
  started?: number;
  ended?: number;
  timeline: TimelineStep[];
  image: string;
  entrypoint: string[];
  arguments: string[];
  instanceType?: string;
  instanceCount?: number;
  inputs: { name: string; uri: string; localPath?: string }[];
  outputs: { name: string; uri: string; localPath?: string }[];
  environment: Record<string, string>;
  experiment?: { experimentName?: string; trialName?: string };
  logGroup: string;
  log: LogLine[];
  canStop: boolean;
}

export interface ExperimentRow {
  name: string;
  displayName: string;
  created: number;
  trials: number;
}

export interface ExperimentsView {
  experiments: ExperimentRow[];
}

/** One run of an experiment (a trial component: a training or processing job, or one a script made). */
export interface RunRow {
  name: string;
  displayName: string;
  trials: string[];
  status: string;
  source?: { kind: "training-job" | "processing-job"; name: string };
  start?: number;
  end?: number;
  parameters: Record<string, string>;
  /** Each metric's last value (and the summary CloudWatch-style). */
  metrics: Record<string, { last?: number; min?: number; max?: number; avg?: number; count?: number }>;
}

export interface ExperimentView {
  name: string;
  displayName: string;
  arn: string;
  description?: string;
  created: number;
  trials: { name: string; created: number; components: number }[];
  runs: RunRow[];
  /** Parameter and metric names that appear in the runs (the comparison's columns), parameters that differ first. */
  parameterNames: string[];
  metricNames: string[];
}

export interface PipelineRow {
  name: string;
  displayName: string;
  created: number;
  lastRun?: number;
  lastStatus?: string;
  executions: number;
}

export interface PipelinesView {
  pipelines: PipelineRow[];
}

/** A step of a definition drawn as a box: its column is its level (the longest chain of steps it waits for). */
export interface DagNode {
  name: string;
  type: string;
  level: number;
  row: number;
  /** Execution pages only: how the step went (Pending before it starts, Skipped on a branch not taken). */
  status?: string;
  seconds?: number;
  cacheHit?: boolean;
}

export interface DagEdge {
  from: string;
  to: string;
  /** A condition's branches: "True" or "False". */
  label?: string;
}

export interface Dag {
  nodes: DagNode[];
  edges: DagEdge[];
}

export interface ExecutionRow {
  id: string;
  displayName: string;
  status: string;
  started: number;
  /** When the execution ended (its last change, for an ended one). */
  ended?: number;
  failureReason?: string;
}

export interface PipelineView {
  name: string;
  displayName: string;
  arn: string;
  description?: string;
  role?: string;
  created: number;
  modified?: number;
  parameters: { name: string; type: string; default?: string }[];
  dag: Dag;
  executions: ExecutionRow[];
}

export interface StepRow {
  name: string;
  type: string;
  status: string;
  start?: number;
  end?: number;
  attempt?: number;
  /** A cache hit: the execution whose run was reused. */
  cachedFrom?: { pipeline: string; id: string };
  failureReason?: string;
  /** What the step made or ran, as a link to its page (a job, a model, a package, a function). */
  resource?: { label: string; link: PageLink };
  /** A condition's outcome, a Lambda step's outputs, a Fail step's message. */
  outcome?: string;
  outputs?: Record<string, string>;
}

export interface PipelineExecutionView {
  pipeline: string;
  id: string;
  arn: string;
  displayName: string;
  description?: string;
  status: string;
  failureReason?: string;
  started: number;
  modified: number;
  parameters: { name: string; value: string }[];
  experiment?: { experimentName?: string; trialName?: string };
  dag: Dag;
  steps: StepRow[];
  /** The steps as bars on one time axis, in the order they started. */
  timeline: TimelineStep[];
  canStop: boolean;
}

export interface ModelPackageGroupRow {
  name: string;
  description?: string;
  created: number;
  status: string;
  versions: number;
  latest?: number;
  latestApproval?: string;
  pending: number;
}

export interface ModelRegistryView {
  groups: ModelPackageGroupRow[];
}

export interface ModelPackageRow {
  arn: string;
  version: number;
  status: string;
  approval: string;
  approvalDescription?: string;
  description?: string;
  created: number;
  modified?: number;
  images: string[];
  modelData: S3Location[];
  metadata: Record<string, string>;
  /** The pipeline execution that registered it, when a RegisterModel step did. */
  registeredBy?: { pipeline: string; id: string; step: string };
  /** Models made from this package (CreateModel with ModelPackageName). */
  models: string[];
}

export interface ModelPackageGroupView {
  name: string;
  arn: string;
  description?: string;
  created: number;
  status: string;
  packages: ModelPackageRow[];
}
