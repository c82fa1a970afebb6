/**
 * The workshop's own plans for its labs (which script trains, on which instance, with which data), decided in one
 * place so a lab cell is the same in local and AWS mode. The SageMaker toolkit below knows nothing of them.
 */

export * from "./autoscaling";
export * from "./custom";
export * from "./hub-routes";
export * from "./lambda";
export * from "./metrics";
export * from "./ml-pipeline";
export * from "./multi-model";
export * from "./pipeline";
export * from "./production";
export * from "./review-pipeline";
export * from "./sentiment";
export * from "./serving";
export * from "./topics";
