import type { ContainerDefinition, CreateModelCommandInput, Tag } from "@aws-sdk/client-sagemaker";
import { DeployableModel, type ModelIdentity, type SageMakerModel } from "./model";
import { assertSageMakerName } from "./naming";
import type { WorkshopSession } from "./session";

/**
 * An inference pipeline, as the Python SDK's PipelineModel: several models' containers in one CreateModel
 * (`Containers`), run in sequence on every request (each answer is the next one's request). Deployed, it is an
 * ordinary endpoint; `hostnames` name the containers (their log streams and error messages say which failed).
 */
export interface PipelineModelOptions extends ModelIdentity {
  models: readonly SageMakerModel[];
  /** One ContainerHostname per model (default: none, as the Python SDK sends). */
  hostnames?: readonly string[];
}

export function buildPipelineModelRequest(
  name: string,
  roleArn: string,
  containers: readonly ContainerDefinition[],
  hostnames: readonly string[] | undefined,
  tags: Tag[],
): CreateModelCommandInput {
  if (containers.length < 2 || containers.length > 15) {
    throw new Error(`An inference pipeline has 2 to 15 containers; this one has ${containers.length}.`);
  }
  if (hostnames && hostnames.length !== containers.length) {
    throw new Error(
      `Give one hostname per model: ${containers.length} models, ${hostnames.length} hostnames.`,
    );
  }
  return {
    ModelName: assertSageMakerName(name, "model"),
    ExecutionRoleArn: roleArn,
    Containers: containers.map((container, index) => ({
      ...container,
      ...(hostnames ? { ContainerHostname: hostnames[index] } : {}),
    })),
    InferenceExecutionConfig: { Mode: "Serial" },
    Tags: tags,
  };
}

export class PipelineModel extends DeployableModel {
  constructor(
    session: WorkshopSession,
    readonly options: PipelineModelOptions,
  ) {
    super(session, options);
  }

  protected modelRequest(name: string, roleArn: string, tags: Tag[]): CreateModelCommandInput {
    return buildPipelineModelRequest(
      name,
      roleArn,
      this.options.models.map((model) => model.containerDefinition()),
      this.options.hostnames,
      tags,
    );
  }

  protected baseName(): string {
    return this.options.lab
      ? `ko-sagemaker-${this.options.lab.replace(/\./g, "-")}-pipeline`
      : "ko-sagemaker-pipeline";
  }
}
