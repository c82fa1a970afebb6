import type { BatchStrategy, CreateTransformJobRequest } from "@aws-sdk/client-sagemaker";
import { validation } from "../../../core/errors";
import { parseS3Uri } from "../../../core/s3-uri";
import { DataProcessingError, type DataProcessor, dataProcessor } from "./data-processing";
import { TRANSFORM_DEFAULTS } from "./records";

/**
 * What a transform job will do, with every default filled in, and the rules CreateTransformJob enforces beyond
 * its Smithy shapes (those the protocol layer already checked): the payload and concurrency limits of the API
 * reference, what local SageMaker cannot do (RecordIO and TFRecord splitting, batch data capture), and DataProcessing
 * that cannot apply to the input. Each rule is a ValidationException that names the value and the fix.
 */

/** SageMaker's ceiling for MaxPayloadInMB, and for MaxConcurrentTransforms × MaxPayloadInMB. */
export const MAX_PAYLOAD_MB = 100;
const MB = 1024 * 1024;

export interface TransformPlan {
  input: { bucket: string; key: string; uri: string; manifest: boolean };
  output: { bucket: string; prefix: string };
  contentType: string;
  accept: string;
  /** Accept, when the request names one: the output objects' content type. */
  outputContentType?: string;
  compression: "None" | "Gzip";
  splitType: "None" | "Line";
  strategy: BatchStrategy;
  maxPayloadInMB: number;
  /** undefined: MaxPayloadInMB 0, no limit. */
  payloadLimitBytes?: number;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
  assembleWith: "None" | "Line";
  instanceCount: number;
  processor?: DataProcessor;
  /** What SageMaker gives a batch container on top of the model's and the job's environment. */
  environment: Record<string, string>;
}

/** What the container gets when the request gives no ContentType or Accept (as InvokeEndpoint without them). */
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const DEFAULT_ACCEPT = "*/*";

export function planTransform(request: CreateTransformJobRequest): TransformPlan {
  const input = request.TransformInput;
  const source = input?.DataSource?.S3DataSource;
  if (source?.S3DataType === "AugmentedManifestFile") {
    throw validation(
      "TransformInput.DataSource.S3DataSource.S3DataType AugmentedManifestFile is not compatible with batch transform; use S3Prefix or ManifestFile.",
    );
  }
  const splitType = input?.SplitType ?? "None";
  if (splitType === "RecordIO" || splitType === "TFRecord") {
    throw validation(
      `TransformInput.SplitType ${splitType} is not supported locally (local SageMaker splits only None and Line); convert the records to lines (JSON Lines or CSV) and use Line, or run this job on AWS.`,
    );
  }
  if (request.DataCaptureConfig) {
    throw validation(
      "DataCaptureConfig (batch data capture) is not supported locally; leave it out, or run this job on AWS.",
    );
  }
  const maxPayloadInMB = request.MaxPayloadInMB ?? TRANSFORM_DEFAULTS.maxPayloadInMB;
  if (maxPayloadInMB > MAX_PAYLOAD_MB) {
    throw validation(
      `MaxPayloadInMB is ${maxPayloadInMB}; it cannot be greater than ${MAX_PAYLOAD_MB} MB. Use ${MAX_PAYLOAD_MB} or less.`,
    );
  }
  const concurrency = request.MaxConcurrentTransforms || TRANSFORM_DEFAULTS.maxConcurrentTransforms;
  if (request.MaxConcurrentTransforms && concurrency * maxPayloadInMB > MAX_PAYLOAD_MB) {
    throw validation(
      `MaxConcurrentTransforms × MaxPayloadInMB is ${concurrency} × ${maxPayloadInMB} = ${concurrency * maxPayloadInMB} MB; it cannot exceed ${MAX_PAYLOAD_MB} MB. Lower MaxConcurrentTransforms to ${Math.max(1, Math.floor(MAX_PAYLOAD_MB / Math.max(maxPayloadInMB, 1)))} or MaxPayloadInMB to ${Math.floor(MAX_PAYLOAD_MB / concurrency)}.`,
    );
  }
  let processor: DataProcessor | undefined;
  try {
    processor = dataProcessor(request.DataProcessing, input?.ContentType);
  } catch (error) {
    if (error instanceof DataProcessingError) throw validation(error.message);
    throw error;
  }
  const uri = source?.S3Uri as string;
  const inputLocation = parseS3Uri(uri);
  const outputLocation = parseS3Uri(request.TransformOutput?.S3OutputPath as string);
  const strategy = request.BatchStrategy ?? TRANSFORM_DEFAULTS.batchStrategy;
  const client = request.ModelClientConfig;
  const accept = request.TransformOutput?.Accept;
  return {
    input: { ...inputLocation, uri, manifest: source?.S3DataType === "ManifestFile" },
    output: { bucket: outputLocation.bucket, prefix: outputLocation.key.replace(/\/+$/, "") },
    contentType: input?.ContentType || DEFAULT_CONTENT_TYPE,
    accept: accept || DEFAULT_ACCEPT,
    ...(accept ? { outputContentType: accept } : {}),
    compression: input?.CompressionType ?? "None",
    splitType,
    strategy,
    maxPayloadInMB,
    ...(maxPayloadInMB > 0 ? { payloadLimitBytes: maxPayloadInMB * MB } : {}),
    concurrency,
    timeoutMs: (client?.InvocationsTimeoutInSeconds ?? TRANSFORM_DEFAULTS.invocationsTimeoutInSeconds) * 1000,
    maxRetries: client?.InvocationsMaxRetries ?? TRANSFORM_DEFAULTS.invocationsMaxRetries,
    assembleWith: request.TransformOutput?.AssembleWith ?? "None",
    instanceCount: request.TransformResources?.InstanceCount ?? 1,
    ...(processor ? { processor } : {}),
    environment: {
      SAGEMAKER_BATCH: "true",
      SAGEMAKER_MAX_PAYLOAD_IN_MB: String(maxPayloadInMB),
      SAGEMAKER_BATCH_STRATEGY: strategy === "SingleRecord" ? "SINGLE_RECORD" : "MULTI_RECORD",
      SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: String(concurrency),
      ...(request.Environment ?? {}),
    },
  };
}
