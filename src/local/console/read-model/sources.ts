import type { AutoScalingService } from "../../services/autoscaling/service";
import type { ServiceContext } from "../../services/context";
import type { LambdaService } from "../../services/lambda/service";
import type { SageMakerService } from "../../services/sagemaker";

/**
 * What the console reads from: the services' typed APIs, the same objects the wire bindings call (never the wire
 * itself). A service that lands later (processing, pipelines, ...) is one more member here.
 */
export interface ConsoleSources {
  context: ServiceContext;
  sagemaker: SageMakerService;
  lambda: LambdaService;
  autoscaling: AutoScalingService;
}
