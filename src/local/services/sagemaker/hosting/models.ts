import type {
  ContainerDefinition,
  CreateModelInput,
  CreateModelOutput,
  DeleteModelInput,
  DescribeModelInput,
  DescribeModelOutput,
  ListModelsInput,
  ListModelsOutput,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { notFound, validation } from "../../../core/errors";
import { listPage } from "../../../core/listing";
import { JsonStore } from "../../../core/store";
import type { ServiceContext } from "../../context";
import type { ModelRegistry } from "../registry/registry";
import type { TagRegistry } from "../tags";
import type { ModelRecord } from "./records";

/**
 * CreateModel, DescribeModel, ListModels, DeleteModel: a model is a name for containers plus artifacts. A container
 * may name a model package of the registry instead of an image (`ModelPackageName`): the package's containers are
 * resolved at creation, so endpoints and transform jobs find the image and artifact as for any model.
 */
export class Models {
  private readonly store: JsonStore<ModelRecord>;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    private readonly registry: Pick<ModelRegistry, "deployableContainers">,
  ) {
    this.store = new JsonStore<ModelRecord>(ctx.stateDir, "sagemaker-models", (name) => `model ${name}`, [
      "ModelName",
      "ModelArn",
      "CreationTime",
    ]);
  }

  /**
   * Containers that name a model package get the package's containers (image, artifact, environment; the
   * container's own Environment wins), keeping ModelPackageName so DescribeModel still says where they came from. A
   * package of several containers becomes several containers of the model.
   */
  private resolvePackages(input: CreateModelInput): CreateModelInput {
    const expand = (container: ContainerDefinition): ContainerDefinition[] => {
      if (!container.ModelPackageName) return [container];
      const { arn, containers } = this.registry.deployableContainers(container.ModelPackageName);
      return containers.map((fromPackage) => ({
        ...fromPackage,
        ...(container.ContainerHostname ? { ContainerHostname: container.ContainerHostname } : {}),
        ...(container.Environment || fromPackage.Environment
          ? { Environment: { ...(fromPackage.Environment ?? {}), ...(container.Environment ?? {}) } }
          : {}),
        ModelPackageName: arn,
      }));
    };
    if (input.PrimaryContainer?.ModelPackageName) {
      const containers = expand(input.PrimaryContainer);
      return containers.length === 1
        ? { ...input, PrimaryContainer: containers[0] }
        : { ...input, PrimaryContainer: undefined, Containers: containers };
    }
    if (input.Containers?.some((container) => container.ModelPackageName)) {
      return { ...input, Containers: input.Containers.flatMap(expand) };
    }
    return input;
  }

  /** The model, or SageMaker's "Could not find model" ValidationException. */
  require(name: string): ModelRecord {
    const model = this.store.get(storeKey(name));
    if (!model) throw notFound("model", sagemakerArn(this.ctx, "model", name));
    return model;
  }

  createModel(request: CreateModelInput): CreateModelOutput {
    const name = request.ModelName as string;
    const arn = sagemakerArn(this.ctx, "model", name);
    if (this.store.get(storeKey(name))) throw validation(`Cannot create already existing model "${arn}".`);
    const input = this.resolvePackages(request);
    if (!input.PrimaryContainer && !input.Containers?.length) {
      throw validation(`Model "${name}" needs a PrimaryContainer (or Containers) naming an Image.`);
    }
    if (input.PrimaryContainer && input.Containers?.length) {
      throw validation(`Model "${name}" has both PrimaryContainer and Containers; give only one of them.`);
    }
    for (const container of input.PrimaryContainer ? [input.PrimaryContainer] : (input.Containers ?? [])) {
      if (!container.Image) throw validation(`A container of model "${name}" has no Image.`);
    }
    checkContainers(name, input);
    const record: ModelRecord = {
      ModelName: name,
      ModelArn: arn,
      CreationTime: Date.now(),
      PrimaryContainer: input.PrimaryContainer,
      Containers: input.Containers,
      ExecutionRoleArn: input.ExecutionRoleArn,
      EnableNetworkIsolation: input.EnableNetworkIsolation,
      VpcConfig: input.VpcConfig,
      InferenceExecutionConfig: input.InferenceExecutionConfig,
    };
    this.tags.register(arn, input.Tags as { Key: string; Value: string }[] | undefined);
    this.store.put(storeKey(name), record);
    return { ModelArn: arn };
  }

  describeModel(input: DescribeModelInput): DescribeModelOutput {
    const { CreationTime, ...rest } = this.require(input.ModelName as string);
    return { ...(rest as DescribeModelOutput), CreationTime: new Date(CreationTime) };
  }

  listModels(input: ListModelsInput): ListModelsOutput {
    const { page, NextToken } = listPage(this.store.list(), input, (model) => ({
      name: model.ModelName,
      creationTime: model.CreationTime,
    }));
    return {
      Models: page.map((model) => ({
        ModelName: model.ModelName,
        ModelArn: model.ModelArn,
        CreationTime: new Date(model.CreationTime),
      })),
      NextToken,
    };
  }

  /** As on AWS, deleting a model leaves endpoints already serving it running. */
  deleteModel(input: DeleteModelInput): Record<string, never> {
    const model = this.require(input.ModelName as string);
    this.store.delete(storeKey(model.ModelName));
    this.tags.unregister(model.ModelArn);
    return {};
  }
}

/** The rules for several containers: unique hostnames, hostnames for Direct invocation, no multi-model among them. */
function checkContainers(name: string, input: CreateModelInput): void {
  const containers = input.Containers ?? [];
  if (containers.length < 2) return;
  const hostnames = containers.flatMap((container) =>
    container.ContainerHostname ? [container.ContainerHostname] : [],
  );
  const repeated = hostnames.find((hostname, index) => hostnames.indexOf(hostname) !== index);
  if (repeated !== undefined) {
    throw validation(
      `Model "${name}" names ContainerHostname "${repeated}" more than once; hostnames must be unique.`,
    );
  }
  if (input.InferenceExecutionConfig?.Mode === "Direct" && hostnames.length < containers.length) {
    throw validation(
      `Model "${name}" uses direct invocation (InferenceExecutionConfig Mode Direct): give every container a ContainerHostname, the name InvokeEndpoint's TargetContainerHostname uses.`,
    );
  }
  if (containers.some((container) => container.Mode === "MultiModel")) {
    throw validation(
      `Model "${name}" has ${containers.length} containers and one with Mode MultiModel: a multi-model container must be the model's only container.`,
    );
  }
}
