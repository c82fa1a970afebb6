import { basename } from "node:path";
import {
  CreateProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  DescribeProcessingJobCommand,
  type DescribeProcessingJobCommandOutput,
  type ProcessingInstanceType,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import { assertCostConsent } from "./cost";
import { type LogLine, LogStreamFollower } from "./logs";
import { assertSageMakerName, uniqueName, workshopTags } from "./naming";
import { s3Uri, uploadFile } from "./s3";
import type { WorkshopSession } from "./session";
import type { PipelineVariable } from "./workflow/variables";

/**
 * Processing jobs, as the Python SDK's ScriptProcessor / SKLearnProcessor: the script is uploaded to S3 and mounted as
 * the input `code` at `/opt/ml/processing/input/code`, the entry point is the processor's command followed by the
 * script's path there, inputs are copied into their container paths and outputs uploaded from theirs. The request is
 * built by `processingJobRequest` (also what a pipeline's ProcessingStep sends, without the job name), so the same
 * job runs on local SageMaker's built-in processing runtime and on the real containers.
 */

export const PROCESSING_CODE_DIR = "/opt/ml/processing/input/code";
export const PROCESSING_LOG_GROUP = "/aws/sagemaker/ProcessingJobs";

export interface ProcessingInput {
  /** An S3 URI (or a pipeline variable that is one) copied into `destination` before the script runs. */
  source: string | PipelineVariable;
  /** A container path under /opt/ml/processing/. */
  destination: string;
  inputName?: string;
  /** S3Prefix (every object under the URI, the default) or ManifestFile. */
  s3DataType?: "S3Prefix" | "ManifestFile";
}

export interface ProcessingOutput {
  outputName: string;
  /** The container folder the script writes into (under /opt/ml/processing/). */
  source: string;
  /** Where it is uploaded; default `s3://<bucket>/<job>/output/<outputName>` (in a pipeline: under the execution). */
  destination?: string | PipelineVariable;
}

export interface ProcessorOptions {
  imageUri: string;
  /** What runs the script: ["python3"] on the scikit-learn image, ["node"] or ["tsx"] on the built-in runtime. */
  command: string[];
  instanceType: string;
  instanceCount?: number;
  volumeSizeGB?: number;
  baseJobName?: string;
  environment?: Record<string, string>;
  maxRuntimeSeconds?: number;
  roleArn?: string;
  /** The lab that creates the jobs: tagged, so `cleanupWorkshopResources({ lab })` finds them. */
  lab?: string;
  tags?: Tag[];
}

export interface ProcessingJobParts {
  jobName: string;
  /** The S3 URI of the script (uploaded), mounted as the input `code`. */
  codeUri: string;
  inputs?: ProcessingInput[];
  /** Outputs with their destinations resolved. */
  outputs?: (ProcessingOutput & { destination: string | PipelineVariable })[];
  arguments?: (string | PipelineVariable)[];
}

export class ScriptProcessor {
  constructor(
    readonly session: WorkshopSession,
    readonly options: ProcessorOptions,
  ) {}

  /** The CreateProcessingJob request (pipeline variables write themselves as expressions into the definition). */
  processingJobRequest(parts: ProcessingJobParts): CreateProcessingJobCommandInput {
    const o = this.options;
    const script = basename(parts.codeUri);
    const input = (entry: ProcessingInput, index: number) => ({
      InputName: entry.inputName ?? `input-${index + 1}`,
      AppManaged: false,
      S3Input: {
        S3Uri: entry.source as string,
        LocalPath: entry.destination,
        S3DataType: entry.s3DataType ?? "S3Prefix",
        S3InputMode: "File" as const,
        S3DataDistributionType: "FullyReplicated" as const,
      },
    });
    return {
      ProcessingJobName: assertSageMakerName(parts.jobName, "processing job"),
      ProcessingResources: {
        ClusterConfig: {
          InstanceType: o.instanceType as ProcessingInstanceType,
          InstanceCount: o.instanceCount ?? 1,
          VolumeSizeInGB: o.volumeSizeGB ?? 30,
        },
      },
      AppSpecification: {
        ImageUri: o.imageUri,
        ContainerEntrypoint: [...o.command, `${PROCESSING_CODE_DIR}/${script}`],
        ...(parts.arguments?.length ? { ContainerArguments: parts.arguments as string[] } : {}),
      },
      RoleArn: o.roleArn ?? this.session.roleArn(),
      ProcessingInputs: [
        ...(parts.inputs ?? []).map(input),
        input({ source: parts.codeUri, destination: PROCESSING_CODE_DIR, inputName: "code" }, 0),
      ],
      ...(parts.outputs?.length
        ? {
            ProcessingOutputConfig: {
              Outputs: parts.outputs.map((output) => ({
                OutputName: output.outputName,
                AppManaged: false,
                S3Output: {
                  S3Uri: output.destination as string,
                  LocalPath: output.source,
                  S3UploadMode: "EndOfJob" as const,
                },
              })),
            },
          }
        : {}),
      ...(o.environment && Object.keys(o.environment).length ? { Environment: o.environment } : {}),
      StoppingCondition: { MaxRuntimeInSeconds: o.maxRuntimeSeconds ?? 24 * 3600 },
      Tags: workshopTags(o.lab, o.tags),
    };
  }

  /** Uploads the script, runs the job and waits for it with its log lines; a job that does not complete is an error. */
  async run(options: {
    code: string;
    inputs?: ProcessingInput[];
    outputs?: ProcessingOutput[];
    arguments?: string[];
    jobName?: string;
    logs?: boolean;
    onLog?: (line: LogLine) => void;
  }): Promise<DescribeProcessingJobCommandOutput> {
    const { session } = this;
    const jobName = options.jobName ?? uniqueName(this.options.baseJobName ?? "ko-sagemaker-processing");
    assertCostConsent(
      session.config,
      `processing job ${jobName} (${this.options.instanceCount ?? 1} × ${this.options.instanceType})`,
    );
    const bucket = await session.defaultBucket();
    const codeUri = options.code.startsWith("s3://")
      ? options.code
      : await uploadFile(
          session.s3,
          options.code,
          s3Uri(bucket, jobName, "input", "code", basename(options.code)),
        );
    const outputs = (options.outputs ?? []).map((output) => ({
      ...output,
      destination: output.destination ?? s3Uri(bucket, jobName, "output", output.outputName),
    }));
    const request = this.processingJobRequest({
      jobName,
      codeUri,
      ...(options.inputs ? { inputs: options.inputs } : {}),
      outputs,
      ...(options.arguments ? { arguments: options.arguments } : {}),
    });
    await session.sagemaker.send(new CreateProcessingJobCommand(request));
    const follower =
      options.logs === false
        ? undefined
        : new LogStreamFollower(session.logs, `${jobName}/`, PROCESSING_LOG_GROUP);
    const onLog = options.onLog ?? ((line: LogLine) => console.log(line.message));
    const pollMs = session.mode === "local" ? 300 : 15_000;
    for (;;) {
      const job = await session.sagemaker.send(
        new DescribeProcessingJobCommand({ ProcessingJobName: jobName }),
      );
      for (const line of (await follower?.poll()) ?? []) onLog(line);
      const status = job.ProcessingJobStatus ?? "";
      if (["Completed", "Failed", "Stopped"].includes(status)) {
        for (const line of (await follower?.poll()) ?? []) onLog(line);
        if (status !== "Completed") {
          throw new Error(
            `Processing job ${jobName} ended ${status}: ${job.FailureReason ?? job.ExitMessage ?? "no reason given"}`,
          );
        }
        return job;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}

/** The SageMaker scikit-learn processing image's registry accounts (the Python SDK's image_uri_config/sklearn.json). */
const SKLEARN_ACCOUNTS: Readonly<Record<string, string>> = {
  "af-south-1": "510948584623",
  "ap-east-1": "651117190479",
  "ap-northeast-1": "354813040037",
  "ap-northeast-2": "366743142698",
  "ap-northeast-3": "867004704886",
  "ap-south-1": "720646828776",
  "ap-south-2": "628508329040",
  "ap-southeast-1": "121021644041",
  "ap-southeast-2": "783357654285",
  "ap-southeast-3": "951798379941",
  "ap-southeast-4": "106583098589",
  "ca-central-1": "341280168497",
  "cn-north-1": "450853457545",
  "cn-northwest-1": "451049120500",
  "eu-central-1": "492215442770",
  "eu-central-2": "680994064768",
  "eu-north-1": "662702820516",
  "eu-south-1": "978288397137",
  "eu-south-2": "104374241257",
  "eu-west-1": "141502667606",
  "eu-west-2": "764974769150",
  "eu-west-3": "659782779980",
  "me-central-1": "272398656194",
  "me-south-1": "801668240914",
  "sa-east-1": "737474898029",
  "us-east-1": "683313688378",
  "us-east-2": "257758044811",
  "us-gov-east-1": "237065988967",
  "us-gov-west-1": "414596584902",
  "us-west-1": "746614075791",
  "us-west-2": "246618743249",
};

export const SKLEARN_VERSIONS = ["0.20.0", "0.23-1", "1.0-1", "1.2-1"] as const;

/** `<account>.dkr.ecr.<region>.amazonaws.com/sagemaker-scikit-learn:<version>-cpu-py3`. */
export function sklearnImageUri(
  region: string,
  version: (typeof SKLEARN_VERSIONS)[number] = "1.2-1",
): string {
  const account = SKLEARN_ACCOUNTS[region];
  if (!account) {
    throw new Error(
      `No SageMaker scikit-learn image registry is known for region "${region}". Known regions: ${Object.keys(SKLEARN_ACCOUNTS).join(", ")}.`,
    );
  }
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `${account}.dkr.ecr.${region}.${domain}/sagemaker-scikit-learn:${version}-cpu-py3`;
}

/** The Python SDK's SKLearnProcessor: the scikit-learn image, scripts run with python3. */
export class SKLearnProcessor extends ScriptProcessor {
  constructor(
    session: WorkshopSession,
    options: Omit<ProcessorOptions, "imageUri" | "command"> & {
      frameworkVersion?: (typeof SKLEARN_VERSIONS)[number];
      imageUri?: string;
      command?: string[];
    },
  ) {
    super(session, {
      ...options,
      imageUri: options.imageUri ?? sklearnImageUri(session.region, options.frameworkVersion),
      command: options.command ?? ["python3"],
    });
  }
}
