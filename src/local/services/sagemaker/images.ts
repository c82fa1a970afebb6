/**
 * Which container images local SageMaker can run. The Hugging Face Deep Learning Container URIs that the labs
 * use on AWS (any region, any version, cpu or gpu) map to our built-in training toolkit and inference server,
 * as do the local names `ko-sagemaker/training[:tag]` and `ko-sagemaker/inference[:tag]`; processing jobs run
 * the SageMaker scikit-learn image, the Hugging Face training DLC (what HuggingFaceProcessor uses) and
 * `ko-sagemaker/processing[:tag]` on the built-in processing runtime; anything else cannot be run here, and the
 * reason says what would be accepted.
 */
import { dlcRegistryAccount } from "../../../common/dlc-registry";

export type ResolvedImage = { ok: true; description: string } | { ok: false; reason: string };

type Role = "training" | "inference";

// account.dkr.ecr.region.amazonaws.com[.cn]/repository:tag
const ECR_URI =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+):([A-Za-z0-9._-]+)$/;
// huggingface-pytorch-training, huggingface-tensorflow-inference, huggingface-pytorch-training-neuronx, ...
const HF_REPOSITORY = /^huggingface-(pytorch|tensorflow)(?:-trcomp)?-(training|inference)(?:-neuronx?)?$/;
const LOCAL_NAME = /^ko-sagemaker\/(training|inference|processing)(?::([A-Za-z0-9._-]+))?$/;
/** The SageMaker scikit-learn framework image (SKLearnProcessor): `sagemaker-scikit-learn:1.2-1-cpu-py3`. */
const SKLEARN_REPOSITORY = "sagemaker-scikit-learn";

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

/**
 * A processing job's image. The scikit-learn image's account differs by region (the Python SDK's sklearn.json
 * table, e.g. 366743142698 in ap-northeast-2) and is not checked here; the Hugging Face DLC's account is.
 */
export function resolveProcessingImage(image: string): ResolvedImage {
  const accepted = `the SageMaker scikit-learn image (<account>.dkr.ecr.<region>.amazonaws.com/${SKLEARN_REPOSITORY}:1.2-1-cpu-py3), a Hugging Face training DLC URI (huggingface-pytorch-training:<version>) or "ko-sagemaker/processing[:tag]"`;
  const local = LOCAL_NAME.exec(image);
  if (local) {
    if (local[1] !== "processing") {
      return {
        ok: false,
        reason: `Image "${image}" is the local ${local[1]} image; a processing job needs ${accepted}.`,
      };
    }
    return { ok: true, description: `built-in processing runtime (${image})` };
  }
  const ecr = ECR_URI.exec(image);
  if (!ecr)
    return { ok: false, reason: `Image "${image}" cannot run on local SageMaker: expected ${accepted}.` };
  const [, account, region, repository, tag] = ecr as unknown as [string, string, string, string, string];
  if (repository === SKLEARN_REPOSITORY) {
    return { ok: true, description: `built-in processing runtime for ${repository}:${tag} (${region})` };
  }
  const hf = HF_REPOSITORY.exec(repository);
  if (hf?.[2] !== "training") {
    return {
      ok: false,
      reason: `Image repository "${repository}" cannot run a processing job on local SageMaker; use ${accepted}.`,
    };
  }
  const expected = dlcRegistryAccount(region);
  if (expected !== undefined && expected !== account) {
    return {
      ok: false,
      reason: `Image "${image}": the Hugging Face DLCs of region ${region} live in account ${expected}, not ${account}.`,
    };
  }
  return {
    ok: true,
    description: `built-in processing runtime for ${repository}:${tag} (${region}, ${hf[1]})`,
  };
}
