/**
 * Which container images local SageMaker can run. The Hugging Face Deep Learning Container URIs that the labs
 * use on AWS (any region, any version, cpu or gpu) map to our built-in training toolkit and inference server,
 * as do the local names `ko-sagemaker/training[:tag]` and `ko-sagemaker/inference[:tag]`; anything else cannot
 * be run here, and the reason says what would be accepted.
 */
import { dlcRegistryAccount } from "../../../common/dlc-registry";

export type ResolvedImage = { ok: true; description: string } | { ok: false; reason: string };

type Role = "training" | "inference";

// account.dkr.ecr.region.amazonaws.com[.cn]/repository:tag
const ECR_URI =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+):([A-Za-z0-9._-]+)$/;
// huggingface-pytorch-training, huggingface-tensorflow-inference, huggingface-pytorch-training-neuronx, ...
const HF_REPOSITORY = /^huggingface-(pytorch|tensorflow)(?:-trcomp)?-(training|inference)(?:-neuronx?)?$/;
const LOCAL_NAME = /^ko-sagemaker\/(training|inference)(?::([A-Za-z0-9._-]+))?$/;

const USER: Record<Role, string> = { training: "a training job", inference: "an endpoint" };

function resolve(image: string, role: Role): ResolvedImage {
  const accepted = `a Hugging Face ${role} DLC URI (<account>.dkr.ecr.<region>.amazonaws.com/huggingface-pytorch-${role}:<version>) or "ko-sagemaker/${role}[:tag]"`;
  const local = LOCAL_NAME.exec(image);
  if (local) {
    if (local[1] !== role)
      return {
        ok: false,
        reason: `Image "${image}" is the local ${local[1]} image; ${USER[role]} needs ${accepted}.`,
      };
    return {
      ok: true,
      description: `built-in ${role} ${role === "training" ? "toolkit" : "server"} (${image})`,
    };
  }
  const ecr = ECR_URI.exec(image);
  if (!ecr)
    return { ok: false, reason: `Image "${image}" cannot run on local SageMaker: expected ${accepted}.` };
  const [, account, region, repository, tag] = ecr as unknown as [string, string, string, string, string];
  const hf = HF_REPOSITORY.exec(repository);
  if (!hf) {
    return {
      ok: false,
      reason: `Image repository "${repository}" is not a Hugging Face DLC; local SageMaker runs only ${accepted}.`,
    };
  }
  if (hf[2] !== role) {
    return {
      ok: false,
      reason: `Image "${image}" is ${hf[2] === "inference" ? "an" : "a"} ${hf[2]} DLC; ${USER[role]} needs ${accepted}.`,
    };
  }
  const expected = dlcRegistryAccount(region);
  if (expected !== undefined && expected !== account) {
    return {
      ok: false,
      reason: `Image "${image}": the Hugging Face DLCs of region ${region} live in account ${expected}, not ${account}.`,
    };
  }
  return { ok: true, description: `built-in ${role} for ${repository}:${tag} (${region}, ${hf[1]})` };
}

export function resolveTrainingImage(image: string): ResolvedImage {
  return resolve(image, "training");
}

export function resolveInferenceImage(image: string): ResolvedImage {
  return resolve(image, "inference");
}
