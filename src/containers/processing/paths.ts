import { isAbsolute, join, posix } from "node:path";

/**
 * Where a processing job's container paths live on this machine. In a real container the job sees `/opt/ml`
 * (`/opt/ml/processing/...` for inputs, outputs and code, `/opt/ml/config/` for the job's description,
 * `/opt/ml/output/message` for its exit message). Locally each job gets its own folder that stands for `/opt/ml`,
 * and every `/opt/ml/...` path the job names (a LocalPath, the ContainerEntrypoint, the ContainerArguments) is
 * rewritten into it. A path a script hard-codes in its own code is not rewritten: it points outside the job's
 * folder, and what is written there is not uploaded.
 */
export const CONTAINER_ROOT = "/opt/ml";
/** Where SageMaker requires every input's and output's LocalPath to be. */
export const PROCESSING_ROOT = "/opt/ml/processing";

export interface ProcessingLayout {
  /** The job's `/opt/ml`. */
  root: string;
  /** `/opt/ml/config`: processingjobconfig.json and resourceconfig.json, as SageMaker writes them. */
  configDir: string;
  jobConfigFile: string;
  resourceConfigFile: string;
  /** `/opt/ml/output`: `message` (ExitMessage) and `failure` (FailureReason, training's convention). */
  outputDir: string;
  messageFile: string;
  failureFile: string;
}

export function processingLayout(root: string): ProcessingLayout {
  const configDir = join(root, "config");
  const outputDir = join(root, "output");
  return {
    root,
    configDir,
    jobConfigFile: join(configDir, "processingjobconfig.json"),
    resourceConfigFile: join(configDir, "resourceconfig.json"),
    outputDir,
    messageFile: join(outputDir, "message"),
    failureFile: join(outputDir, "failure"),
  };
}

/** `/opt/ml` itself or a path below it, normalised; undefined for any other path. */
function containerRelative(path: string): string | undefined {
  if (!path.startsWith(CONTAINER_ROOT)) return undefined;
  const rest = path.slice(CONTAINER_ROOT.length);
  if (rest !== "" && !rest.startsWith("/")) return undefined; // /opt/mlx is another folder
  const normalised = posix.normalize(`/${rest}`);
  return normalised === "/" ? "" : normalised.slice(1);
}

/** A container path as a path of this machine: `/opt/ml/processing/train` → `<job folder>/processing/train`. */
export function mapContainerPath(path: string, root: string): string {
  const relative = containerRelative(path);
  return relative === undefined ? path : relative === "" ? root : join(root, relative);
}

/** `/opt/ml` at the start of an argument or after `=`, `:` or `,` (`--train=/opt/ml/processing/train`). */
const IN_ARGUMENT = /(^|[=:,])(\/opt\/ml(?:\/[^,:]*)?)(?=$|[,:])/g;

/** An argument with every container path in it rewritten (`--input-data=/opt/ml/processing/input`). */
export function mapArgument(argument: string, root: string): string {
  return argument.replace(IN_ARGUMENT, (whole, lead: string, path: string) => {
    const relative = containerRelative(path);
    if (relative === undefined) return whole;
    return `${lead}${relative === "" ? root : join(root, relative)}`;
  });
}

/**
 * Why a LocalPath cannot be used, or undefined: SageMaker requires an absolute path under /opt/ml/processing/
 * (and locally it must stay inside the job's folder, so no `..` climbing out).
 */
export function localPathProblem(path: string): string | undefined {
  if (!isAbsolute(path) || !posix.isAbsolute(path)) return "it is not an absolute path";
  const normalised = posix.normalize(path);
  if (normalised !== PROCESSING_ROOT && !normalised.startsWith(`${PROCESSING_ROOT}/`)) {
    return `it is not under ${PROCESSING_ROOT}/`;
  }
  if (normalised === PROCESSING_ROOT) return `it is ${PROCESSING_ROOT} itself; use a folder below it`;
  return undefined;
}
