/**
 * Dev-time generator: extracts, from the Smithy models of the services local SageMaker speaks, the operations it
 * implements (or will) with their input (and, for REST protocols, output) shapes, HTTP bindings and constraints,
 * into the compact `src/local/protocol/models/<service>.json` files the protocol layer reads at run time.
 *
 *   npx tsx test/tools/gen-shapes.ts [folder of the Smithy models]     (default ../shared/specs/aws)
 *   npx biome check --write src/local/protocol/models
 *
 * The Smithy models are Apache-2.0 (aws/api-models-aws); each generated file carries that notice.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as applicationAutoScalingSdk from "@aws-sdk/client-application-auto-scaling";
import type { CompactMember, CompactShape, ServiceModel } from "../../src/local/protocol/model";

interface ServiceSpec {
  /** The Smithy model file, and the output name under src/local/protocol/models/. */
  file: string;
  output: string;
  namespace: string;
  /** Output shapes are needed where the wire binds members to headers or a payload (REST protocols). */
  outputs: boolean;
  operations: string[];
}

const SERVICES: ServiceSpec[] = [
  {
    file: "sagemaker-2017-07-24.json",
    output: "sagemaker",
    namespace: "com.amazonaws.sagemaker#",
    outputs: false,
    operations: [
      // training jobs
      "CreateTrainingJob",
      "DescribeTrainingJob",
      "ListTrainingJobs",
      "StopTrainingJob",
      // hosting
      "CreateModel",
      "DescribeModel",
      "DeleteModel",
      "ListModels",
      "CreateEndpointConfig",
      "DescribeEndpointConfig",
      "DeleteEndpointConfig",
      "ListEndpointConfigs",
      "CreateEndpoint",
      "DescribeEndpoint",
      "DeleteEndpoint",
      "ListEndpoints",
      "UpdateEndpoint",
      "UpdateEndpointWeightsAndCapacities",
      // tags
      "AddTags",
      "ListTags",
      "DeleteTags",
      // batch transform and processing
      "CreateTransformJob",
      "DescribeTransformJob",
      "ListTransformJobs",
      "StopTransformJob",
      "CreateProcessingJob",
      "DescribeProcessingJob",
      "ListProcessingJobs",
      "StopProcessingJob",
      // pipelines
      "CreatePipeline",
      "DescribePipeline",
      "UpdatePipeline",
      "DeletePipeline",
      "ListPipelines",
      "StartPipelineExecution",
      "DescribePipelineExecution",
      "ListPipelineExecutions",
      "ListPipelineExecutionSteps",
      "StopPipelineExecution",
      "RetryPipelineExecution",
      "DescribePipelineDefinitionForExecution",
      "ListPipelineParametersForExecution",
      // model registry
      "CreateModelPackageGroup",
      "DescribeModelPackageGroup",
      "DeleteModelPackageGroup",
      "ListModelPackageGroups",
      "CreateModelPackage",
      "DescribeModelPackage",
      "UpdateModelPackage",
      "DeleteModelPackage",
      "ListModelPackages",
      // experiments
      "CreateExperiment",
      "DescribeExperiment",
      "ListExperiments",
      "DeleteExperiment",
      "CreateTrial",
      "DescribeTrial",
      "ListTrials",
      "DeleteTrial",
      "CreateTrialComponent",
      "DescribeTrialComponent",
      "ListTrialComponents",
      "UpdateTrialComponent",
      "DeleteTrialComponent",
      "AssociateTrialComponent",
      "DisassociateTrialComponent",
      "Search",
    ],
  },
  {
    file: "sagemaker-runtime-2017-05-13.json",
    output: "sagemaker-runtime",
    namespace: "com.amazonaws.sagemakerruntime#",
    outputs: true,
    operations: ["InvokeEndpoint", "InvokeEndpointAsync"],
  },
  {
    file: "lambda-2015-03-31.json",
    output: "lambda",
    namespace: "com.amazonaws.lambda#",
    outputs: true,
    operations: [
      "CreateFunction",
      "GetFunction",
      "GetFunctionConfiguration",
      "ListFunctions",
      "UpdateFunctionCode",
      "UpdateFunctionConfiguration",
      "DeleteFunction",
      "Invoke",
    ],
  },
  {
    file: "cloudwatch-2010-08-01.json",
    output: "cloudwatch",
    namespace: "com.amazonaws.cloudwatch#",
    // awsQuery answers are XML documents written from the output shapes.
    outputs: true,
    operations: [
      "PutMetricData",
      "GetMetricStatistics",
      "GetMetricData",
      "ListMetrics",
      "PutMetricAlarm",
      "DescribeAlarms",
      "DescribeAlarmsForMetric",
      "DescribeAlarmHistory",
      "SetAlarmState",
      "DeleteAlarms",
      "EnableAlarmActions",
      "DisableAlarmActions",
    ],
  },
  {
    file: "cloudwatch-logs-2014-03-28.json",
    output: "logs",
    namespace: "com.amazonaws.cloudwatchlogs#",
    outputs: false,
    operations: [
      "CreateLogGroup",
      "CreateLogStream",
      "DeleteLogGroup",
      "DeleteLogStream",
      "PutLogEvents",
      "DescribeLogGroups",
      "DescribeLogStreams",
      "GetLogEvents",
      "FilterLogEvents",
    ],
  },
];

type SmithyMember = { target: string; traits?: Record<string, unknown> };
type SmithyShape = {
  type: string;
  members?: Record<string, SmithyMember>;
  member?: SmithyMember;
  key?: SmithyMember;
  value?: SmithyMember;
  input?: { target: string };
  output?: { target: string };
  errors?: { target: string }[];
  operations?: { target: string }[];
  traits?: Record<string, unknown>;
  version?: string;
};
type Bounds = { min?: number; max?: number };

const PRELUDE = "smithy.api#";

function generate(folder: string, spec: ServiceSpec): ServiceModel {
  const model = JSON.parse(readFileSync(join(folder, spec.file), "utf8")) as {
    shapes: Record<string, SmithyShape>;
  };
  const shapes = model.shapes;
  /** Local names drop the namespace; prelude shapes keep their `smithy.api#` prefix (a service may define "String"). */
  const localName = (target: string): string =>
    target.startsWith(spec.namespace) ? target.slice(spec.namespace.length) : target;
  const compact: Record<string, CompactShape> = {};

  const preludeShape = (target: string): CompactShape => {
    const type = target.slice(PRELUDE.length).toLowerCase();
    if (type === "string") return { type: "string" };
    if (type === "integer" || type === "long" || type === "float" || type === "double") return { type };
    if (type === "primitiveinteger" || type === "primitivelong") return { type: type.slice(9) as "integer" };
    if (type === "primitiveboolean") return { type: "boolean" };
    if (type === "boolean" || type === "timestamp" || type === "blob" || type === "document") return { type };
    if (type === "unit") return { type: "structure", members: {} };
    throw new Error(`unsupported prelude shape ${target}`);
  };

  const member = (ref: SmithyMember, structure: boolean): CompactMember => {
    const traits = ref.traits ?? {};
    const entry: CompactMember = { target: visit(ref.target) };
    if (traits[`${PRELUDE}required`] !== undefined && structure) entry.required = true;
    const header = traits[`${PRELUDE}httpHeader`] as string | undefined;
    const query = traits[`${PRELUDE}httpQuery`] as string | undefined;
    const prefix = traits[`${PRELUDE}httpPrefixHeaders`] as string | undefined;
    if (traits[`${PRELUDE}httpLabel`] !== undefined) entry.location = "label";
    else if (header !== undefined) Object.assign(entry, { location: "header", name: header });
    else if (query !== undefined) Object.assign(entry, { location: "query", name: query });
    else if (prefix !== undefined) Object.assign(entry, { location: "prefixHeaders", name: prefix });
    else if (traits[`${PRELUDE}httpPayload`] !== undefined) entry.location = "payload";
    else if (traits[`${PRELUDE}httpResponseCode`] !== undefined) entry.location = "statusCode";
    const jsonName = traits[`${PRELUDE}jsonName`] as string | undefined;
    if (jsonName !== undefined) entry.name = jsonName;
    const xmlName = traits[`${PRELUDE}xmlName`] as string | undefined;
    if (xmlName !== undefined) entry.xmlName = xmlName;
    if (traits[`${PRELUDE}xmlFlattened`] !== undefined) entry.flattened = true;
    return entry;
  };

  function visit(target: string): string {
    const name = localName(target);
    if (compact[name]) return name;
    if (target.startsWith(PRELUDE)) {
      compact[name] = preludeShape(target);
      return name;
    }
    const shape = shapes[target];
    if (!shape) throw new Error(`missing shape ${target}`);
    const traits = shape.traits ?? {};
    const length = traits[`${PRELUDE}length`] as Bounds | undefined;
    const range = traits[`${PRELUDE}range`] as Bounds | undefined;
    switch (shape.type) {
      case "structure":
      case "union": {
        const entry: CompactShape = { type: shape.type, members: {} };
        const error = traits[`${PRELUDE}error`] as "client" | "server" | undefined;
        if (error) {
          const query = traits["aws.protocols#awsQueryError"] as
            | { code: string; httpResponseCode: number }
            | undefined;
          entry.error = {
            fault: error,
            status: (traits[`${PRELUDE}httpError`] as number | undefined) ?? (error === "client" ? 400 : 500),
            ...(query ? { queryCode: query.code } : {}),
          };
        }
        compact[name] = entry; // before recursing: shapes may be recursive
        for (const [memberName, ref] of Object.entries(shape.members ?? {})) {
          entry.members[memberName] = member(ref, shape.type === "structure");
        }
        return name;
      }
      case "list": {
        const entry: CompactShape = { type: "list", member: "", ...(length ? { length } : {}) };
        compact[name] = entry;
        const memberRef = shape.member as SmithyMember;
        entry.member = visit(memberRef.target);
        const memberXml = memberRef.traits?.[`${PRELUDE}xmlName`] as string | undefined;
        if (memberXml !== undefined) entry.memberName = memberXml;
        return name;
      }
      case "map": {
        const entry: CompactShape = { type: "map", key: "", value: "", ...(length ? { length } : {}) };
        compact[name] = entry;
        entry.key = visit((shape.key as SmithyMember).target);
        entry.value = visit((shape.value as SmithyMember).target);
        return name;
      }
      case "string": {
        const pattern = traits[`${PRELUDE}pattern`] as string | undefined;
        const legacyEnum = traits[`${PRELUDE}enum`] as { value: string }[] | undefined;
        if (legacyEnum) {
          compact[name] = { type: "enum", values: legacyEnum.map((entry) => entry.value) };
          return name;
        }
        compact[name] = { type: "string", ...(length ? { length } : {}), ...(pattern ? { pattern } : {}) };
        return name;
      }
      case "enum":
        compact[name] = {
          type: "enum",
          values: Object.values(shape.members ?? {}).map((m) => m.traits?.[`${PRELUDE}enumValue`] as string),
        };
        return name;
      case "intEnum":
        compact[name] = { type: "integer" };
        return name;
      case "integer":
      case "long":
      case "float":
      case "double":
        compact[name] = { type: shape.type, ...(range ? { range } : {}) };
        return name;
      case "boolean":
      case "timestamp":
      case "document":
        compact[name] = { type: shape.type };
        return name;
      case "blob":
        compact[name] = { type: "blob", ...(length ? { length } : {}) };
        return name;
      default:
        throw new Error(`unsupported shape type ${shape.type} (${target})`);
    }
  }

  const service = Object.entries(shapes).find(([, shape]) => shape.type === "service");
  if (!service) throw new Error(`${spec.file} has no service shape`);
  const serviceTraits = service[1].traits ?? {};
  const protocol = Object.keys(serviceTraits).find((trait) => trait.startsWith("aws.protocols#"));
  const operations: ServiceModel["operations"] = {};
  for (const operation of spec.operations) {
    const shape = shapes[`${spec.namespace}${operation}`];
    if (shape?.type !== "operation") throw new Error(`${spec.file} has no operation ${operation}`);
    const http = shape.traits?.[`${PRELUDE}http`] as
      | { method: string; uri: string; code?: number }
      | undefined;
    operations[operation] = {
      input: shape.input ? visit(shape.input.target) : visit(`${PRELUDE}Unit`),
      ...(spec.outputs && shape.output ? { output: visit(shape.output.target) } : {}),
      ...(http ? { http: { method: http.method, uri: http.uri, code: http.code ?? 200 } } : {}),
      ...(spec.outputs && shape.errors ? { errors: shape.errors.map((error) => visit(error.target)) } : {}),
    };
  }
  const allOperations = Object.entries(shapes)
    .filter(([, shape]) => shape.type === "operation")
    .map(([target]) => localName(target))
    .sort();
  return {
    notice: `Generated by test/tools/gen-shapes.ts from the Smithy model ${spec.file} (aws/api-models-aws, Apache License 2.0). Do not edit.`,
    service: {
      name: localName(service[0]),
      protocol: (protocol ?? "").replace("aws.protocols#", ""),
      signingName: (serviceTraits["aws.auth#sigv4"] as { name: string } | undefined)?.name ?? "",
      ...(protocol === "aws.protocols#awsQuery"
        ? {
            query: {
              version: service[1].version ?? "",
              xmlNamespace: (serviceTraits[`${PRELUDE}xmlNamespace`] as { uri: string }).uri,
            },
          }
        : {}),
    },
    operations,
    allOperations,
    shapes: Object.fromEntries(Object.entries(compact).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/**
 * Application Auto Scaling has no Smithy copy here: its botocore model, in the same compact form. The copy predates
 * values the pinned SDK client sends (`sagemaker:variant:DesiredProvisionedConcurrency`,
 * `SageMakerVariantProvisionedConcurrencyUtilization`, ...), so each enum also takes the values of the SDK's enum of
 * the same name: the front end then refuses only what no client of ours can send, and the service says clearly what
 * it does not serve locally.
 */
const BOTOCORE_SERVICES: {
  file: string;
  output: string;
  operations: string[];
  sdkEnums?: Readonly<Record<string, unknown>>;
}[] = [
  {
    file: "application-autoscaling-2016-02-06.botocore.json",
    output: "application-autoscaling",
    sdkEnums: applicationAutoScalingSdk,
    operations: [
      "RegisterScalableTarget",
      "DescribeScalableTargets",
      "DeregisterScalableTarget",
      "PutScalingPolicy",
      "DescribeScalingPolicies",
      "DeleteScalingPolicy",
      "DescribeScalingActivities",
    ],
  },
];

type BotocoreShape = {
  type: string;
  required?: string[];
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  exception?: boolean;
  error?: { httpStatusCode?: number };
};

function generateBotocore(folder: string, spec: (typeof BOTOCORE_SERVICES)[number]): ServiceModel {
  const model = JSON.parse(readFileSync(join(folder, spec.file), "utf8")) as {
    metadata: { protocol: string; signingName: string; serviceId: string; targetPrefix: string };
    operations: Record<string, { input?: { shape: string }; output?: { shape: string } }>;
    shapes: Record<string, BotocoreShape>;
  };
  const compact: Record<string, CompactShape> = {};
  const bounds = (shape: BotocoreShape) =>
    shape.min !== undefined || shape.max !== undefined
      ? {
          ...(shape.min !== undefined ? { min: shape.min } : {}),
          ...(shape.max !== undefined ? { max: shape.max } : {}),
        }
      : undefined;
  function visit(name: string): string {
    if (compact[name]) return name;
    const shape = model.shapes[name];
    if (!shape) throw new Error(`missing shape ${name}`);
    const range = bounds(shape);
    switch (shape.type) {
      case "structure": {
        const entry: CompactShape = { type: "structure", members: {} };
        if (shape.exception) entry.error = { fault: "client", status: shape.error?.httpStatusCode ?? 400 };
        compact[name] = entry;
        for (const [memberName, ref] of Object.entries(shape.members ?? {})) {
          entry.members[memberName] = {
            target: visit(ref.shape),
            ...(shape.required?.includes(memberName) ? { required: true } : {}),
          };
        }
        return name;
      }
      case "list": {
        const entry: CompactShape = { type: "list", member: "", ...(range ? { length: range } : {}) };
        compact[name] = entry;
        entry.member = visit((shape.member as { shape: string }).shape);
        return name;
      }
      case "map": {
        const entry: CompactShape = { type: "map", key: "", value: "", ...(range ? { length: range } : {}) };
        compact[name] = entry;
        entry.key = visit((shape.key as { shape: string }).shape);
        entry.value = visit((shape.value as { shape: string }).shape);
        return name;
      }
      case "string":
        compact[name] = shape.enum
          ? { type: "enum", values: withSdkValues(shape.enum, spec.sdkEnums?.[name]) }
          : {
              type: "string",
              ...(range ? { length: range } : {}),
              ...(shape.pattern ? { pattern: shape.pattern } : {}),
            };
        return name;
      case "integer":
      case "long":
      case "float":
      case "double":
        compact[name] = { type: shape.type, ...(range ? { range } : {}) };
        return name;
      case "boolean":
      case "timestamp":
        compact[name] = { type: shape.type };
        return name;
      case "blob":
        compact[name] = { type: "blob", ...(range ? { length: range } : {}) };
        return name;
      default:
        throw new Error(`unsupported botocore shape type ${shape.type} (${name})`);
    }
  }
  const operations: ServiceModel["operations"] = {};
  for (const operation of spec.operations) {
    const entry = model.operations[operation];
    if (!entry?.input) throw new Error(`${spec.file} has no operation ${operation} with an input`);
    operations[operation] = { input: visit(entry.input.shape) };
  }
  return {
    notice: `Generated by test/tools/gen-shapes.ts from the botocore model ${spec.file} (Apache License 2.0)${spec.sdkEnums ? ", its enums completed from the pinned SDK client's" : ""}. Do not edit.`,
    service: {
      name: model.metadata.targetPrefix,
      protocol: "awsJson1_1",
      signingName: model.metadata.signingName,
    },
    operations,
    allOperations: Object.keys(model.operations).sort(),
    shapes: Object.fromEntries(Object.entries(compact).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** An enum's values, then those the SDK's enum object of the same name adds (in the SDK's order). */
function withSdkValues(values: string[], sdkEnum: unknown): string[] {
  if (typeof sdkEnum !== "object" || sdkEnum === null) return values;
  const added = Object.values(sdkEnum).filter(
    (value): value is string => typeof value === "string" && !values.includes(value),
  );
  return [...values, ...added];
}

const folder = process.argv[2] ?? join(__dirname, "../../../shared/specs/aws");
for (const spec of BOTOCORE_SERVICES) {
  const target = join(__dirname, "../../src/local/protocol/models", `${spec.output}.json`);
  const generated = generateBotocore(folder, spec);
  writeFileSync(target, `${JSON.stringify(generated, null, 2)}\n`);
  console.log(
    `${target}: ${Object.keys(generated.operations).length} operations, ${Object.keys(generated.shapes).length} shapes`,
  );
}
for (const spec of SERVICES) {
  const target = join(__dirname, "../../src/local/protocol/models", `${spec.output}.json`);
  const generated = generate(folder, spec);
  writeFileSync(target, `${JSON.stringify(generated, null, 2)}\n`);
  console.log(
    `${target}: ${Object.keys(generated.operations).length} operations, ${Object.keys(generated.shapes).length} shapes`,
  );
}

/**
 * What a pipeline step's properties are: the Describe answer of the job or resource the step makes, as the Python
 * SDK's `Properties` reads them from botocore (`Steps.Train.ModelArtifacts.S3ModelArtifacts`). Local SageMaker checks
 * property references at CreatePipeline and reads them from the Describe answer at run time; the toolkit's builder
 * turns property accesses into the same paths. Scalars are kept only as their kind.
 */
const STEP_PROPERTY_ROOTS: Record<string, string> = {
  Training: "DescribeTrainingJobResponse",
  Processing: "DescribeProcessingJobResponse",
  Transform: "DescribeTransformJobResponse",
  Model: "DescribeModelOutput",
  RegisterModel: "DescribeModelPackageOutput",
};

type PropertyShape =
  | { type: "structure"; members: Record<string, string> }
  | { type: "list"; member: string }
  | { type: "map"; value: string };

function generateStepProperties(folder: string): unknown {
  const namespace = "com.amazonaws.sagemaker#";
  const model = JSON.parse(readFileSync(join(folder, "sagemaker-2017-07-24.json"), "utf8")) as {
    shapes: Record<string, SmithyShape>;
  };
  const shapes: Record<string, PropertyShape> = {};
  const scalar = (type: string): string | undefined => {
    if (["string", "enum"].includes(type)) return "string";
    if (["integer", "long", "intEnum"].includes(type)) return "integer";
    if (["float", "double"].includes(type)) return "float";
    if (["boolean", "timestamp", "blob", "document"].includes(type)) return type;
    return undefined;
  };
  function visit(target: string): string {
    if (target.startsWith(PRELUDE)) {
      return (
        scalar(
          target
            .slice(PRELUDE.length)
            .toLowerCase()
            .replace(/^primitive/, ""),
        ) ?? "string"
      );
    }
    const name = target.slice(namespace.length);
    if (shapes[name]) return name;
    const shape = model.shapes[target];
    if (!shape) throw new Error(`missing shape ${target}`);
    const kind = scalar(shape.type);
    if (kind) return kind;
    if (shape.type === "structure" || shape.type === "union") {
      const entry: PropertyShape = { type: "structure", members: {} };
      shapes[name] = entry; // before recursing: shapes may be recursive
      for (const [member, ref] of Object.entries(shape.members ?? {}))
        entry.members[member] = visit(ref.target);
    } else if (shape.type === "list") {
      const entry: PropertyShape = { type: "list", member: "" };
      shapes[name] = entry;
      entry.member = visit((shape.member as SmithyMember).target);
    } else if (shape.type === "map") {
      const entry: PropertyShape = { type: "map", value: "" };
      shapes[name] = entry;
      entry.value = visit((shape.value as SmithyMember).target);
    } else {
      throw new Error(`unsupported shape type ${shape.type} (${target})`);
    }
    return name;
  }
  for (const root of Object.values(STEP_PROPERTY_ROOTS)) visit(`${namespace}${root}`);
  return {
    notice:
      "Generated by test/tools/gen-shapes.ts from the Smithy model sagemaker-2017-07-24.json (aws/api-models-aws, Apache License 2.0). Do not edit.",
    roots: STEP_PROPERTY_ROOTS,
    shapes: Object.fromEntries(Object.entries(shapes).sort(([a], [b]) => a.localeCompare(b))),
  };
}

{
  const target = join(__dirname, "../../src/common/pipeline-step-properties.json");
  const generated = generateStepProperties(folder) as { shapes: object };
  writeFileSync(target, `${JSON.stringify(generated)}\n`);
  console.log(`${target}: ${Object.keys(generated.shapes).length} shapes`);
}
