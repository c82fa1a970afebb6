/**
 * Dev-time generator: extracts the input shapes of the SageMaker operations local SageMaker implements (or will:
 * transform, processing, pipeline and model-registry operations) from the Smithy model into the compact
 * `src/local/services/sagemaker/shapes.json` that the validator reads at run time.
 *
 *   npx tsx test/tools/gen-sagemaker-shapes.ts [path/to/sagemaker-2017-07-24.json]
 *   npx biome check --write src/local/services/sagemaker/shapes.json
 *
 * The Smithy model is Apache-2.0 (aws/api-models-aws); the generated file carries that notice.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Shape } from "../../src/local/services/sagemaker/validation";

const OPERATIONS = [
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
];

type SmithyShape = {
  type: string;
  members?: Record<string, { target: string; traits?: Record<string, unknown> }>;
  member?: { target: string };
  key?: { target: string };
  value?: { target: string };
  input?: { target: string };
  traits?: Record<string, unknown>;
};

type CompactShape = Shape;
type Bounds = { min?: number; max?: number };

const NAMESPACE = "com.amazonaws.sagemaker#";
const PRELUDE = "smithy.api#";

const modelPath = process.argv[2] ?? join(__dirname, "../../../shared/specs/aws/sagemaker-2017-07-24.json");
const model = JSON.parse(readFileSync(modelPath, "utf8")) as { shapes: Record<string, SmithyShape> };
const shapes = model.shapes;

/** Local names drop the namespace; prelude shapes keep their `smithy.api#` prefix (SageMaker has its own "String"). */
const localName = (target: string): string =>
  target.startsWith(NAMESPACE) ? target.slice(NAMESPACE.length) : target;

const compact: Record<string, CompactShape> = {};

function preludeShape(target: string): CompactShape {
  const type = target.slice(PRELUDE.length).toLowerCase();
  if (type === "string") return { type: "string" };
  if (type === "integer" || type === "long" || type === "float" || type === "double") return { type };
  if (type === "boolean" || type === "timestamp" || type === "blob" || type === "document") return { type };
  if (type === "unit") return { type: "structure", members: {} };
  throw new Error(`unsupported prelude shape ${target}`);
}

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
  const length = traits["smithy.api#length"] as Bounds | undefined;
  const range = traits["smithy.api#range"] as Bounds | undefined;
  switch (shape.type) {
    case "structure":
    case "union": {
      const entry: CompactShape = { type: shape.type, members: {} };
      compact[name] = entry; // before recursing: shapes may be recursive
      for (const [member, ref] of Object.entries(shape.members ?? {})) {
        entry.members[member] = {
          target: visit(ref.target),
          ...(ref.traits?.["smithy.api#required"] !== undefined && shape.type === "structure"
            ? { required: true }
            : {}),
        };
      }
      return name;
    }
    case "list": {
      const entry: CompactShape = { type: "list", member: "", ...(length ? { length } : {}) };
      compact[name] = entry;
      entry.member = visit((shape.member as { target: string }).target);
      return name;
    }
    case "map": {
      const entry: CompactShape = { type: "map", key: "", value: "", ...(length ? { length } : {}) };
      compact[name] = entry;
      entry.key = visit((shape.key as { target: string }).target);
      entry.value = visit((shape.value as { target: string }).target);
      return name;
    }
    case "string": {
      const pattern = traits["smithy.api#pattern"] as string | undefined;
      compact[name] = { type: "string", ...(length ? { length } : {}), ...(pattern ? { pattern } : {}) };
      return name;
    }
    case "enum":
      compact[name] = {
        type: "enum",
        values: Object.values(shape.members ?? {}).map((m) => m.traits?.["smithy.api#enumValue"] as string),
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
    case "blob":
    case "document":
      compact[name] = { type: shape.type };
      return name;
    default:
      throw new Error(`unsupported shape type ${shape.type} (${target})`);
  }
}

const operations: Record<string, string> = {};
for (const operation of OPERATIONS) {
  const shape = shapes[`${NAMESPACE}${operation}`];
  if (!shape?.input) throw new Error(`operation ${operation} has no input in the model`);
  operations[operation] = visit(shape.input.target);
}

const allOperations = Object.entries(shapes)
  .filter(([, shape]) => shape.type === "operation")
  .map(([target]) => localName(target))
  .sort();

const output = {
  notice:
    "Generated by test/tools/gen-sagemaker-shapes.ts from the SageMaker Smithy model (aws/api-models-aws, Apache License 2.0). Do not edit.",
  operations,
  allOperations,
  shapes: Object.fromEntries(Object.entries(compact).sort(([a], [b]) => a.localeCompare(b))),
};
const target = join(__dirname, "../../src/local/services/sagemaker/shapes.json");
writeFileSync(target, `${JSON.stringify(output, null, 2)}\n`);
console.log(`${target}: ${OPERATIONS.length} operations, ${Object.keys(compact).length} shapes`);
