/**
 * Hugging Face Deep Learning Container image URIs, resolved in one place so no notebook carries an image string.
 *
 * Sources (looked up November 2026): the SageMaker Python SDK's `image_uri_config/huggingface.json`
 * (training 4.56.2 / PyTorch 2.8.0 was added in aws/sagemaker-python-sdk#5301, October 2025, with its registry
 * table) and the Hugging Face "available DLCs" page (inference PyTorch 2.6.0 / transformers 4.51.3, py312).
 * The older rows are the releases the Korean workshops used.
 */

export type ImageScope = "training" | "inference";
export type Processor = "cpu" | "gpu";

interface DlcRelease {
  transformers: string;
  pytorch: string;
  python: string;
  /** Tag suffix per processor; a processor the release lacks is absent (the training DLCs are GPU-only). */
  suffix: Partial<Record<Processor, string>>;
}

const TRAINING_RELEASES: readonly DlcRelease[] = [
  { transformers: "4.56.2", pytorch: "2.8.0", python: "py312", suffix: { gpu: "cu129-ubuntu22.04" } },
  { transformers: "4.49.0", pytorch: "2.5.1", python: "py311", suffix: { gpu: "cu124-ubuntu22.04" } },
  { transformers: "4.36.0", pytorch: "2.1.0", python: "py310", suffix: { gpu: "cu121-ubuntu20.04" } },
  { transformers: "4.28.1", pytorch: "2.0.0", python: "py310", suffix: { gpu: "cu118-ubuntu20.04" } },
];

const INFERENCE_RELEASES: readonly DlcRelease[] = [
  {
    transformers: "4.51.3",
    pytorch: "2.6.0",
    python: "py312",
    suffix: { cpu: "ubuntu22.04", gpu: "cu124-ubuntu22.04" },
  },
  {
    transformers: "4.49.0",
    pytorch: "2.6.0",
    python: "py312",
    suffix: { cpu: "ubuntu22.04", gpu: "cu124-ubuntu22.04" },
  },
  {
    transformers: "4.37.0",
    pytorch: "2.1.0",
    python: "py310",
    suffix: { cpu: "ubuntu22.04", gpu: "cu118-ubuntu20.04" },
  },
  {
    transformers: "4.28.1",
    pytorch: "2.0.0",
    python: "py310",
    suffix: { cpu: "ubuntu20.04", gpu: "cu118-ubuntu20.04" },
  },
];

const MAIN_DLC_ACCOUNT = "763104351884";

/** Regions whose DLC registry lives in a different account than the main one (from the SDK's registry table). */
const REGISTRY_EXCEPTIONS: Readonly<Record<string, string>> = {
  "af-south-1": "626614931356",
  "ap-east-1": "871362719292",
  "ap-northeast-3": "364406365360",
  "ap-southeast-3": "907027046896",
  "cn-north-1": "727897471807",
  "cn-northwest-1": "727897471807",
  "eu-south-1": "692866216735",
  "il-central-1": "780543022126",
  "me-central-1": "914824155844",
  "me-south-1": "217643126080",
  "us-gov-east-1": "446045086412",
  "us-gov-west-1": "442386744353",
  "us-iso-east-1": "886529160074",
};

const MAIN_ACCOUNT_REGIONS = [
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
];

export const LATEST_HF_TRAINING = TRAINING_RELEASES[0] as DlcRelease;
export const LATEST_HF_INFERENCE = INFERENCE_RELEASES[0] as DlcRelease;

export class ImageUriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageUriError";
  }
}

/** The ECR account that hosts the DLCs in a region. */
export function dlcRegistryAccount(region: string): string {
  const exception = REGISTRY_EXCEPTIONS[region];
  if (exception) return exception;
  if (MAIN_ACCOUNT_REGIONS.includes(region)) return MAIN_DLC_ACCOUNT;
  throw new ImageUriError(
    `No Hugging Face DLC registry is known for region "${region}". Known regions: ` +
      `${[...MAIN_ACCOUNT_REGIONS, ...Object.keys(REGISTRY_EXCEPTIONS)].sort().join(", ")}.`,
  );
}

/** Accelerated instance families (GPU); everything else runs the CPU image. */
export function processorForInstance(instanceType: string): Processor {
  return /^ml\.(p\d|g\d|trn|inf)/.test(instanceType) ? "gpu" : "cpu";
}

export interface HuggingFaceImageOptions {
  scope: ImageScope;
  region: string;
  /** e.g. "4.56.2" or "4.56"; default: the newest release in the table. */
  transformersVersion?: string;
  pytorchVersion?: string;
  /** Either give the processor or the instance type it is derived from. */
  processor?: Processor;
  instanceType?: string;
}

const matches = (full: string, wanted: string | undefined): boolean =>
  wanted === undefined || full === wanted || full.startsWith(`${wanted}.`);

/** `{account}.dkr.ecr.{region}.amazonaws.com/huggingface-pytorch-{scope}:{pt}-transformers{tv}-{cpu|gpu}-{py}-{suffix}` */
export function huggingFaceImageUri(options: HuggingFaceImageOptions): string {
  const processor =
    options.processor ?? (options.instanceType ? processorForInstance(options.instanceType) : "gpu");
  const releases = options.scope === "training" ? TRAINING_RELEASES : INFERENCE_RELEASES;
  const candidates = releases.filter(
    (release) =>
      matches(release.transformers, options.transformersVersion) &&
      matches(release.pytorch, options.pytorchVersion),
  );
  const release = candidates[0];
  if (!release) {
    const known = releases.map((r) => `transformers ${r.transformers} + PyTorch ${r.pytorch}`).join("; ");
    throw new ImageUriError(
      `No Hugging Face ${options.scope} DLC for transformers ${options.transformersVersion ?? "(any)"} and ` +
        `PyTorch ${options.pytorchVersion ?? "(any)"}. Known: ${known}.`,
    );
  }
  const suffix = release.suffix[processor];
  if (!suffix) {
    throw new ImageUriError(
      `The Hugging Face ${options.scope} DLC transformers ${release.transformers} has no ${processor} image` +
        (options.scope === "training"
          ? ": training images are GPU-only; pick an ml.g*/ml.p* instance."
          : "."),
    );
  }
  const account = dlcRegistryAccount(options.region);
  const domain = options.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  const tag = `${release.pytorch}-transformers${release.transformers}-${processor}-${release.python}-${suffix}`;
  return `${account}.dkr.ecr.${options.region}.${domain}/huggingface-pytorch-${options.scope}:${tag}`;
}
