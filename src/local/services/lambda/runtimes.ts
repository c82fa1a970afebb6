import { spawnSync } from "node:child_process";
import { PYTHON_COMMAND } from "../../../containers/lambda/python-runtime";
import { AwsError } from "../../core/errors";

/**
 * The runtimes local Lambda runs, and its own container images. Every runtime is one of our execution environments
 * (`containers/lambda/main`): Node.js runtimes load the handler in that process, Python runtimes run our bootstrap
 * under the machine's `python3` (whose version is what runs, whatever 3.x the function names).
 */

export const NODE_RUNTIMES = ["nodejs20.x", "nodejs22.x"] as const;
export const PYTHON_RUNTIMES = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"] as const;

export type LocalRuntime = (typeof NODE_RUNTIMES)[number] | (typeof PYTHON_RUNTIMES)[number];

const SUPPORTED: readonly string[] = [...NODE_RUNTIMES, ...PYTHON_RUNTIMES];

export const isPythonRuntime = (runtime: string): boolean => runtime.startsWith("python");

const invalid = (message: string): AwsError => new AwsError("InvalidParameterValueException", message);

let pythonVersion: string | null | undefined;

/** `python3 --version`, asked once; null when there is none. */
function installedPython(): string | null {
  if (pythonVersion === undefined) {
    const probe = spawnSync(PYTHON_COMMAND, ["--version"], { encoding: "utf8", timeout: 10_000 });
    pythonVersion = probe.status === 0 ? `${probe.stdout}${probe.stderr}`.trim() : null;
  }
  return pythonVersion;
}

/** The runtime if local Lambda can run it, else the error CreateFunction answers. */
export function checkRuntime(runtime: string | undefined): LocalRuntime {
  if (runtime === undefined) {
    throw invalid(
      "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
    );
  }
  if (!SUPPORTED.includes(runtime)) {
    throw invalid(
      `The runtime ${runtime} is not run by local Lambda; it runs ${SUPPORTED.join(", ")}. Use one of those, or SM_MODE=aws for real Lambda.`,
    );
  }
  if (isPythonRuntime(runtime) && installedPython() === null) {
    throw invalid(
      `The runtime ${runtime} needs ${PYTHON_COMMAND} on this machine, and none was found on PATH. Install Python 3 (Debian: apt-get install python3), or use nodejs22.x.`,
    );
  }
  return runtime as LocalRuntime;
}

/**
 * Local images: `ko-sagemaker/lambda-nodejs:20|22` and `ko-sagemaker/lambda-python:3.9…3.13` stand for the AWS
 * base images of those runtimes. The image's code is the folder named by ImageConfig.WorkingDirectory (the
 * image's /var/task), copied when the function is created as a build copies it; ImageConfig.Command names the
 * handler, as the base images' CMD does.
 */
const LOCAL_IMAGE = /^ko-sagemaker\/lambda-(nodejs|python):(\d+(?:\.\d+)?)$/;

export const LOCAL_IMAGE_EXAMPLES = "ko-sagemaker/lambda-nodejs:22 or ko-sagemaker/lambda-python:3.12";

/** The runtime a local image stands for, or the error for an image local Lambda cannot run. */
export function imageRuntime(imageUri: string): LocalRuntime {
  const match = LOCAL_IMAGE.exec(imageUri);
  if (!match) {
    const ecr = /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/.test(imageUri);
    throw invalid(
      `${ecr ? "Local Lambda cannot pull container images from Amazon ECR" : "Local Lambda does not know the image"} "${imageUri.slice(0, 200)}". Package the code as a zip (PackageType Zip with ZipFile or S3Bucket/S3Key), or use a local image: ${LOCAL_IMAGE_EXAMPLES}, with ImageConfig.Command naming the handler and ImageConfig.WorkingDirectory the code folder.`,
    );
  }
  const runtime = match[1] === "nodejs" ? `nodejs${match[2]}.x` : `python${match[2]}`;
  return checkRuntime(runtime);
}
