import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

/**
 * The training toolkit's view of a job folder laid out like `/opt/ml` (the layout every SageMaker training
 * container sees), and the `SM_*` environment it gives the entry point. Pure apart from reading the three
 * config files, so the platform side and the tests can reason about it without running anything.
 */
export interface TrainingLayout {
  root: string;
  inputDir: string;
  configDir: string;
  dataDir: string;
  modelDir: string;
  outputDir: string;
  outputDataDir: string;
  outputIntermediateDir: string;
  failureFile: string;
  /** Where the platform extracts `sagemaker_submit_directory` (the toolkit's `/opt/ml/code`). */
  codeDir: string;
}

export function trainingLayout(root: string): TrainingLayout {
  const inputDir = join(root, "input");
  const outputDir = join(root, "output");
  return {
    root,
    inputDir,
    configDir: join(inputDir, "config"),
    dataDir: join(inputDir, "data"),
    modelDir: join(root, "model"),
    outputDir,
    outputDataDir: join(outputDir, "data"),
    outputIntermediateDir: join(outputDir, "intermediate"),
    failureFile: join(outputDir, "failure"),
    codeDir: join(root, "code"),
  };
}

export interface ResourceConfigFile {
  current_host: string;
  hosts: string[];
  current_instance_type: string;
  current_group_name: string;
  network_interface_name: string;
}

export type InputDataConfigFile = Record<
  string,
  { TrainingInputMode: string; S3DistributionType: string; RecordWrapperType: string; ContentType?: string }
>;

/**
 * Hyperparameter values arrive JSON-encoded (the SageMaker Python SDK sends `"3"` for 3 and `"\"abc\""` for
 * "abc"); a value that is not valid JSON is taken as the plain string, as the Python toolkit does.
 */
export function decodeHyperparameters(encoded: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(encoded).map(([key, value]) => {
      try {
        return [key, JSON.parse(value) as unknown];
      } catch {
        return [key, value];
      }
    }),
  );
}

const FRAMEWORK_PREFIX = "sagemaker_";

export function userHyperparameters(decoded: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(decoded).filter(([key]) => !key.startsWith(FRAMEWORK_PREFIX)));
}

function frameworkHyperparameters(decoded: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(decoded).filter(([key]) => key.startsWith(FRAMEWORK_PREFIX)));
}

const asText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** `--key value` pairs in key order, the way the toolkit hands hyperparameters to a script. */
export function toCommandArgs(hyperparameters: Record<string, unknown>): string[] {
  return Object.keys(hyperparameters)
    .sort()
    .flatMap((key) => [`--${key}`, asText(hyperparameters[key])]);
}

const envName = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9_]/g, "_");

export interface TrainingEnvironment {
  /** The entry point named by `sagemaker_program`, relative to the code folder. */
  program: string | undefined;
  args: string[];
  env: Record<string, string>;
}

/** Reads the job's config files and builds what the entry point runs with. */
export function buildTrainingEnvironment(
  layout: TrainingLayout,
  options: { jobName: string; moduleDir?: string } = { jobName: "" },
): TrainingEnvironment {
  const read = <T>(file: string): T => JSON.parse(readFileSync(join(layout.configDir, file), "utf8")) as T;
  const encoded = read<Record<string, string>>("hyperparameters.json");
  const resource = read<ResourceConfigFile>("resourceconfig.json");
  const inputData = read<InputDataConfigFile>("inputdataconfig.json");

  const decoded = decodeHyperparameters(encoded);
  const hyperparameters = userHyperparameters(decoded);
  const framework = frameworkHyperparameters(decoded);
  const program = typeof framework.sagemaker_program === "string" ? framework.sagemaker_program : undefined;
  const moduleDir =
    typeof framework.sagemaker_submit_directory === "string"
      ? framework.sagemaker_submit_directory
      : (options.moduleDir ?? layout.codeDir);
  const channels = Object.keys(inputData).sort();
  const channelDirs = Object.fromEntries(channels.map((channel) => [channel, join(layout.dataDir, channel)]));
  const args = toCommandArgs(hyperparameters);
  const numCpus = availableParallelism();
  const moduleName = program?.replace(/\.[^.]+$/, "");

  const trainingEnv = {
    additional_framework_parameters: Object.fromEntries(
      Object.entries(framework).filter(
        ([key]) => key !== "sagemaker_program" && key !== "sagemaker_submit_directory",
      ),
    ),
    channel_input_dirs: channelDirs,
    current_host: resource.current_host,
    current_instance_type: resource.current_instance_type,
    hosts: resource.hosts,
    hyperparameters,
    input_config_dir: layout.configDir,
    input_data_config: inputData,
    input_dir: layout.inputDir,
    is_master: resource.current_host === resource.hosts[0],
    job_name: options.jobName,
    log_level: 20,
    master_hostname: resource.hosts[0],
    model_dir: layout.modelDir,
    module_dir: moduleDir,
    module_name: moduleName,
    network_interface_name: resource.network_interface_name,
    num_cpus: numCpus,
    num_gpus: 0,
    num_neurons: 0,
    output_data_dir: layout.outputDataDir,
    output_dir: layout.outputDir,
    output_intermediate_dir: layout.outputIntermediateDir,
    resource_config: resource,
    user_entry_point: program,
  };

  const env: Record<string, string> = {
    SM_MODEL_DIR: layout.modelDir,
    SM_INPUT_DIR: layout.inputDir,
    SM_INPUT_CONFIG_DIR: layout.configDir,
    SM_OUTPUT_DIR: layout.outputDir,
    SM_OUTPUT_DATA_DIR: layout.outputDataDir,
    SM_OUTPUT_INTERMEDIATE_DIR: layout.outputIntermediateDir,
    SM_CHANNELS: JSON.stringify(channels),
    SM_HPS: JSON.stringify(hyperparameters),
    SM_HOSTS: JSON.stringify(resource.hosts),
    SM_CURRENT_HOST: resource.current_host,
    SM_CURRENT_INSTANCE_TYPE: resource.current_instance_type,
    SM_NETWORK_INTERFACE_NAME: resource.network_interface_name,
    SM_NUM_CPUS: String(numCpus),
    SM_NUM_GPUS: "0",
    SM_NUM_NEURONS: "0",
    SM_LOG_LEVEL: "20",
    SM_MODULE_DIR: moduleDir,
    SM_MODULE_NAME: moduleName ?? "",
    SM_USER_ENTRY_POINT: program ?? "",
    SM_USER_ARGS: JSON.stringify(args),
    SM_INPUT_DATA_CONFIG: JSON.stringify(inputData),
    SM_RESOURCE_CONFIG: JSON.stringify(resource),
    SM_FRAMEWORK_PARAMS: JSON.stringify(trainingEnv.additional_framework_parameters),
    SM_TRAINING_ENV: JSON.stringify(trainingEnv),
  };
  for (const channel of channels) env[`SM_CHANNEL_${envName(channel)}`] = channelDirs[channel] as string;
  for (const [key, value] of Object.entries(hyperparameters)) env[`SM_HP_${envName(key)}`] = asText(value);
  return { program, args, env };
}
