import type { ServiceContext } from "../../context";
import { createRuntimeService, type RuntimeService } from "../../runtime/service";
import type { ModelRegistry } from "../registry/registry";
import type { TagRegistry } from "../tags";
import { EndpointConfigs } from "./endpoint-configs";
import { Endpoints } from "./endpoints";
import { EndpointMetrics } from "./metrics";
import { Models } from "./models";

/** SageMaker hosting: models, endpoint configs, endpoints, and the runtime that invokes them. */
export class Hosting {
  readonly models: Models;
  readonly endpointConfigs: EndpointConfigs;
  readonly endpoints: Endpoints;
  readonly runtime: RuntimeService;

  readonly metrics: EndpointMetrics;

  constructor(ctx: ServiceContext, tags: TagRegistry, registry: ModelRegistry) {
    this.metrics = new EndpointMetrics(ctx.cloudwatch, ctx.settings.metrics);
    this.models = new Models(ctx, tags, registry);
    this.endpointConfigs = new EndpointConfigs(ctx, tags, this.models);
    this.endpoints = new Endpoints(ctx, tags, this.endpointConfigs, this.models, this.metrics);
    this.runtime = createRuntimeService(this.endpoints, ctx.accountId, this.metrics);
  }

  /** Brings back the endpoints that served before the server stopped. */
  start(): Promise<void> {
    return this.endpoints.start();
  }

  /** Stops every container (state stays on disk) and publishes what was still counted. */
  async stop(): Promise<void> {
    await this.endpoints.stop();
    this.metrics.stop();
  }
}
