import type {
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateModelInput,
  DeleteEndpointConfigInput,
  DeleteEndpointInput,
  DeleteModelInput,
  DescribeEndpointConfigInput,
  DescribeEndpointInput,
  DescribeModelInput,
  UpdateEndpointInput,
  UpdateEndpointWeightsAndCapacitiesInput,
} from "@aws-sdk/client-sagemaker";
import type { ServiceContext } from "../../../context";
import type { OperationHandler } from "../../../protocol/aws-json";
import { createRuntimeService, type RuntimeService } from "../../runtime";
import type { TagRegistry } from "../tags";
import { EndpointConfigs } from "./endpoint-configs";
import { Endpoints } from "./endpoints";
import { Models } from "./models";

export interface Hosting {
  operations: Record<string, OperationHandler>;
  runtime: RuntimeService;
  /** Brings back the endpoints that served before the server stopped. */
  start(): Promise<void>;
  /** Stops every container (state stays on disk). */
  stop(): Promise<void>;
  /** Container process ids of an endpoint: what tests and the benchmark check. */
  containerPids(endpointName: string): number[];
}

/** SageMaker hosting: models, endpoint configs, endpoints, and the runtime that invokes them. */
export function createHosting(ctx: ServiceContext, tags: TagRegistry): Hosting {
  const models = new Models(ctx, tags);
  const configs = new EndpointConfigs(ctx, tags, models);
  const endpoints = new Endpoints(ctx, tags, configs, models);
  // The validator has checked required members and shapes before a handler runs, so the casts hold.
  const operations: Record<string, OperationHandler> = {
    CreateModel: (input) => models.create(input as unknown as CreateModelInput),
    DescribeModel: (input) => models.describe(input as unknown as DescribeModelInput),
    ListModels: (input) => models.list(input),
    DeleteModel: (input) => models.delete(input as unknown as DeleteModelInput),
    CreateEndpointConfig: (input) => configs.create(input as unknown as CreateEndpointConfigInput),
    DescribeEndpointConfig: (input) => configs.describe(input as unknown as DescribeEndpointConfigInput),
    ListEndpointConfigs: (input) => configs.list(input),
    DeleteEndpointConfig: (input) => configs.delete(input as unknown as DeleteEndpointConfigInput),
    CreateEndpoint: (input) => endpoints.create(input as unknown as CreateEndpointInput),
    DescribeEndpoint: (input) => endpoints.describe(input as unknown as DescribeEndpointInput),
    ListEndpoints: (input) => endpoints.list(input),
    DeleteEndpoint: (input) => endpoints.delete(input as unknown as DeleteEndpointInput),
    UpdateEndpoint: (input) => endpoints.update(input as unknown as UpdateEndpointInput),
    UpdateEndpointWeightsAndCapacities: (input) =>
      endpoints.updateWeightsAndCapacities(input as unknown as UpdateEndpointWeightsAndCapacitiesInput),
  };
  return {
    operations,
    runtime: createRuntimeService(endpoints, ctx.accountId),
    start: () => endpoints.start(),
    stop: () => endpoints.stop(),
    containerPids: (name) => endpoints.pids(name),
  };
}
