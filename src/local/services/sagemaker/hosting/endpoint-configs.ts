import type {
  CreateEndpointConfigInput,
  CreateEndpointConfigOutput,
  DeleteEndpointConfigInput,
  DescribeEndpointConfigInput,
  DescribeEndpointConfigOutput,
  ListEndpointConfigsInput,
  ListEndpointConfigsOutput,
  ProductionVariant,
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
    if (variant.InitialInstanceCount === undefined && !variant.ServerlessConfig) {
      throw validation(
        `Variant "${variant.VariantName}" of endpoint configuration "${configName}" needs InitialInstanceCount (or a ServerlessConfig).`,
      );
    }
    return { ...variant, InitialVariantWeight: variant.InitialVariantWeight ?? 1 };
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
