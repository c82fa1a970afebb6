/**
 * Hugging Face Deep Learning Container image URIs, resolved in one place so no notebook carries an image string.
 *
 * Sources (looked up November 2026): the SageMaker Python SDK's `image_uri_config/huggingface.json`
 * (training 4.56.2 / PyTorch 2.8.0 was added in aws/sagemaker-python-sdk#5301, October 2025, with its registry
 * table) and the Hugging Face "available DLCs" page (inference PyTorch 2.6.0 / transformers 4.51.3, py312).
 * The older rows are the releases the Korean workshops used.
 */
import { dlcRegions, dlcRegistryAccount } from "../common/dlc-registry";

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

export class ImageUriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageUriError";
  }
}

/** The ECR account that hosts the DLCs in a region, or an error listing the regions that are known. */
function registryAccount(region: string): string {
  const account = dlcRegistryAccount(region);
  if (account) return account;
  throw new ImageUriError(
    `No Hugging Face DLC registry is known for region "${region}". Known regions: ${dlcRegions().join(", ")}.`,
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
  const account = registryAccount(options.region);
  const domain = options.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  const tag = `${release.pytorch}-transformers${release.transformers}-${processor}-${release.python}-${suffix}`;
  return `${account}.dkr.ecr.${options.region}.${domain}/huggingface-pytorch-${options.scope}:${tag}`;
}
