import type {
  CreateEndpointConfigInput,
  CreateEndpointConfigOutput,
  DeleteEndpointConfigInput,
  DescribeEndpointConfigInput,
  DescribeEndpointConfigOutput,
  ListEndpointConfigsInput,
  ListEndpointConfigsOutput,
  ProductionVariant,
  ProductionVariantServerlessConfig,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { notFound, validation } from "../../../core/errors";
import { listPage } from "../../../core/listing";
import { JsonStore } from "../../../core/store";
import type { ServiceContext } from "../../context";
import type { TagRegistry } from "../tags";
import type { Models } from "./models";
import type { EndpointConfigRecord } from "./records";

/** CreateEndpointConfig, DescribeEndpointConfig, ListEndpointConfigs, DeleteEndpointConfig. */
export class EndpointConfigs {
  private readonly store: JsonStore<EndpointConfigRecord>;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    private readonly models: Models,
  ) {
    this.store = new JsonStore<EndpointConfigRecord>(
      ctx.stateDir,
      "sagemaker-endpoint-configs",
      (name) => `endpoint configuration ${name}`,
      ["EndpointConfigName", "EndpointConfigArn", "CreationTime", "ProductionVariants"],
    );
  }

  require(name: string): EndpointConfigRecord {
    const config = this.store.get(storeKey(name));
    if (!config) throw notFound("endpoint configuration", sagemakerArn(this.ctx, "endpoint-config", name));
    return config;
  }

  createEndpointConfig(input: CreateEndpointConfigInput): CreateEndpointConfigOutput {
    const name = input.EndpointConfigName as string;
    const arn = sagemakerArn(this.ctx, "endpoint-config", name);
    if (this.store.get(storeKey(name))) {
      throw validation(`Cannot create already existing endpoint configuration "${arn}".`);
    }
    const variants = (input.ProductionVariants ?? []).map((variant) => this.checkVariant(name, variant));
    this.checkAsyncConfig(name, input);
    const names = variants.map((variant) => variant.VariantName?.toLowerCase());
    const repeated = names.find((variantName, index) => names.indexOf(variantName) !== index);
    if (repeated !== undefined) {
      throw validation(
        `Endpoint configuration "${name}" names variant "${repeated}" more than once; variant names must be unique.`,
      );
    }
    const {
      EndpointConfigName: _name,
      ProductionVariants: _variants,
      Tags: _tags,
      ...extra
    } = input as CreateEndpointConfigInput & Record<string, unknown>;
    const record: EndpointConfigRecord = {
      EndpointConfigName: name,
      EndpointConfigArn: arn,
      CreationTime: Date.now(),
      ProductionVariants: variants,
      extra,
    };
    this.tags.register(arn, input.Tags as { Key: string; Value: string }[] | undefined);
    this.store.put(storeKey(name), record);
    return { EndpointConfigArn: arn };
  }

  private checkVariant(configName: string, variant: ProductionVariant): ProductionVariant {
    if (!variant.ModelName) {
      throw validation(
        `Variant "${variant.VariantName}" of endpoint configuration "${configName}" names no ModelName.`,
      );
    }
    this.models.require(variant.ModelName);
    const label = `Variant "${variant.VariantName}" of endpoint configuration "${configName}"`;
    if (variant.ServerlessConfig) {
      if (variant.InstanceType !== undefined || variant.InitialInstanceCount !== undefined) {
        throw validation(
          `${label} has a ServerlessConfig and also InstanceType or InitialInstanceCount: a serverless variant runs without instances; give one or the other.`,
        );
      }
      checkServerlessConfig(label, variant.ServerlessConfig);
    } else if (variant.InitialInstanceCount === undefined) {
      throw validation(`${label} needs InitialInstanceCount (or a ServerlessConfig).`);
    }
    return { ...variant, InitialVariantWeight: variant.InitialVariantWeight ?? 1 };
  }

  private checkAsyncConfig(configName: string, input: CreateEndpointConfigInput): void {
    const config = input.AsyncInferenceConfig;
    if (!config) return;
    const label = `The AsyncInferenceConfig of endpoint configuration "${configName}"`;
    if ((input.ProductionVariants ?? []).some((variant) => variant.ServerlessConfig)) {
      throw validation(
        `${label} cannot serve serverless variants: asynchronous inference runs on instances. Drop the ServerlessConfig or the AsyncInferenceConfig.`,
      );
    }
    const output = config.OutputConfig?.S3OutputPath;
    if (!output) {
      throw validation(
        `${label} has no OutputConfig.S3OutputPath. Local SageMaker delivers results only to S3 (it has no SNS), so give the S3 folder the answers go to.`,
      );
    }
    for (const [member, path] of [
      ["S3OutputPath", output],
      ["S3FailurePath", config.OutputConfig?.S3FailurePath],
    ] as const) {
      if (path !== undefined && !/^s3:\/\/[^/]+/.test(path)) {
        throw validation(`${label}: OutputConfig.${member} "${path}" is not an S3 URI (s3://bucket/prefix).`);
      }
    }
  }

  describeEndpointConfig(input: DescribeEndpointConfigInput): DescribeEndpointConfigOutput {
    const config = this.require(input.EndpointConfigName as string);
    return {
      ...(config.extra as Partial<DescribeEndpointConfigOutput>),
      EndpointConfigName: config.EndpointConfigName,
      EndpointConfigArn: config.EndpointConfigArn,
      ProductionVariants: config.ProductionVariants,
      CreationTime: new Date(config.CreationTime),
    };
  }

  listEndpointConfigs(input: ListEndpointConfigsInput): ListEndpointConfigsOutput {
    const { page, NextToken } = listPage(this.store.list(), input, (config) => ({
      name: config.EndpointConfigName,
      creationTime: config.CreationTime,
    }));
    return {
      EndpointConfigs: page.map((config) => ({
        EndpointConfigName: config.EndpointConfigName,
        EndpointConfigArn: config.EndpointConfigArn,
        CreationTime: new Date(config.CreationTime),
      })),
      NextToken,
    };
  }

  /**
   * As on AWS, an endpoint config may be deleted while an endpoint uses it: the endpoint keeps serving what it
   * deployed (its record holds the variants and containers), it just cannot be re-deployed from that config.
   */
  deleteEndpointConfig(input: DeleteEndpointConfigInput): Record<string, never> {
    const config = this.require(input.EndpointConfigName as string);
    this.store.delete(storeKey(config.EndpointConfigName));
    this.tags.unregister(config.EndpointConfigArn);
    return {};
  }
}

/** The rules of ProductionVariantServerlessConfig beyond its shape's ranges. */
export function checkServerlessConfig(label: string, config: ProductionVariantServerlessConfig): void {
  const memory = config.MemorySizeInMB ?? 0;
  if (memory % 1024 !== 0) {
    throw validation(
      `${label}: ServerlessConfig.MemorySizeInMB ${memory} is not one of the sizes serverless endpoints offer: 1024, 2048, 3072, 4096, 5120 or 6144.`,
    );
  }
  const provisioned = config.ProvisionedConcurrency;
  if (provisioned !== undefined && provisioned > (config.MaxConcurrency ?? 0)) {
    throw validation(
      `${label}: ServerlessConfig.ProvisionedConcurrency ${provisioned} is more than its MaxConcurrency ${config.MaxConcurrency}; it can be at most MaxConcurrency.`,
    );
  }
}
