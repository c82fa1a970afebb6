import { validation } from "../core/errors";
import { alarms } from "./read-model/alarms";
import { experiment, experiments } from "./read-model/experiments";
import { endpoint, endpointConfig, endpoints, model, modelsAndConfigs } from "./read-model/hosting";
import { trainingJob, trainingJobs, transformJob, transformJobs } from "./read-model/jobs";
import { lambdaFunction, lambdaFunctions } from "./read-model/lambda";
import { overview } from "./read-model/overview";
import { pipeline, pipelineExecution, pipelines } from "./read-model/pipelines";
import { processingJob, processingJobs } from "./read-model/processing";
import { modelPackageGroup, modelRegistry } from "./read-model/registry";
import type { ConsoleSources } from "./read-model/sources";
import { logs, s3, s3Object } from "./read-model/storage";

/**
 * The server's half of the page registry: what each page reads (its view) and what it may do (its actions), by
 * the page's id. The pages' half (ui/pages/index.ts) registers the component under the same id. A new page is a
 * read function in read-model/, one line here, and one module registered there.
 */

type Params = URLSearchParams;

export interface ViewDefinition {
  read(sources: ConsoleSources, params: Params): unknown;
}

/** A resource name as the SageMaker and Lambda APIs allow them (the console takes nothing else). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,169}$/;

function name(params: Params): string {
  const value = params.get("name") ?? "";
  if (!NAME.test(value)) throw validation(`"${value.slice(0, 100)}" is not a resource name.`);
  return value;
}

/** A pipeline execution's id, the last part of its ARN (SageMaker's are 12 lower-case letters and digits). */
function executionId(params: Params): string {
  const value = params.get("execution") ?? "";
  if (!/^[a-z0-9]{1,64}$/.test(value))
    throw validation(`"${value.slice(0, 100)}" is not a pipeline execution id.`);
  return value;
}

/** A versioned model package's ARN, the only kind UpdateModelPackage approves. */
function packageArn(params: Params): string {
  const value = params.get("arn") ?? "";
  if (!/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[A-Za-z0-9-]{1,63}\/\d{1,9}$/.test(value))
    throw validation(`"${value.slice(0, 200)}" is not a versioned model package's ARN.`);
  return value;
}

export const VIEWS: Record<string, ViewDefinition> = {
  overview: { read: (sources) => overview(sources) },
  training: { read: (sources) => trainingJobs(sources) },
  "training-job": { read: (sources, params) => trainingJob(sources, name(params)) },
  transform: { read: (sources) => transformJobs(sources) },
  "transform-job": { read: (sources, params) => transformJob(sources, name(params)) },
  processing: { read: (sources) => processingJobs(sources) },
  "processing-job": { read: (sources, params) => processingJob(sources, name(params)) },
  experiments: { read: (sources) => experiments(sources) },
  experiment: { read: (sources, params) => experiment(sources, name(params)) },
  pipelines: { read: (sources) => pipelines(sources) },
  pipeline: { read: (sources, params) => pipeline(sources, name(params)) },
  "pipeline-execution": {
    read: (sources, params) => pipelineExecution(sources, name(params), executionId(params)),
  },
  registry: { read: (sources) => modelRegistry(sources) },
  "model-package-group": { read: (sources, params) => modelPackageGroup(sources, name(params)) },
  models: { read: (sources) => modelsAndConfigs(sources) },
  model: { read: (sources, params) => model(sources, name(params)) },
  "endpoint-config": { read: (sources, params) => endpointConfig(sources, name(params)) },
  endpoints: { read: (sources) => endpoints(sources) },
  endpoint: { read: (sources, params) => endpoint(sources, name(params)) },
  lambda: { read: (sources) => lambdaFunctions(sources) },
  "lambda-function": { read: (sources, params) => lambdaFunction(sources, name(params)) },
  s3: {
    read: (sources, params) => s3(sources, params.get("bucket") || undefined, params.get("prefix") ?? ""),
  },
  "s3-object": {
    read: (sources, params) => s3Object(sources, params.get("bucket") ?? "", params.get("key") ?? ""),
  },
  logs: {
    read: (sources, params) =>
      logs(
        sources,
        params.get("group") || undefined,
        params.get("stream") || undefined,
        params.get("filter") ?? undefined,
      ),
  },
  alarms: { read: (sources) => alarms(sources) },
};

/**
 * What the console's buttons do: each calls the same typed method the wire binding calls for the SDK's request,
 * so it is checked, logged and answered the same way (a job that is not InProgress cannot be stopped, ...).
 */
export const ACTIONS: Record<string, (sources: ConsoleSources, input: Params) => unknown> = {
  "stop-training-job": (sources, input) =>
    sources.sagemaker.training.stopTrainingJob({ TrainingJobName: name(input) }),
  "stop-transform-job": (sources, input) =>
    sources.sagemaker.transform.stopTransformJob({ TransformJobName: name(input) }),
  "stop-processing-job": (sources, input) =>
    sources.sagemaker.processing.stopProcessingJob({ ProcessingJobName: name(input) }),
  "stop-pipeline-execution": (sources, input) => {
    const { pipelines } = sources.sagemaker;
    // Both names checked before the service is asked anything.
    const [pipelineName, id] = [name(input), executionId(input)];
    const arn = `${pipelines.describePipeline({ PipelineName: pipelineName }).PipelineArn}/execution/${id}`;
    return pipelines.stopPipelineExecution({ PipelineExecutionArn: arn });
  },
  // The console's approve and reject are UpdateModelPackage, as the SDK's model_package.update_approval_status().
  "approve-model-package": (sources, input) =>
    sources.sagemaker.registry.updateModelPackage({
      ModelPackageArn: packageArn(input),
      ModelApprovalStatus: "Approved",
      ApprovalDescription: "Approved in the local console",
    }),
  "reject-model-package": (sources, input) =>
    sources.sagemaker.registry.updateModelPackage({
      ModelPackageArn: packageArn(input),
      ModelApprovalStatus: "Rejected",
      ApprovalDescription: "Rejected in the local console",
    }),
  "delete-endpoint": (sources, input) =>
    sources.sagemaker.hosting.endpoints.deleteEndpoint({ EndpointName: name(input) }),
};
