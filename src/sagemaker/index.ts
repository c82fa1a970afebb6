/** The SageMaker toolkit the labs use: Estimator, Model, Predictor and friends over the AWS SDK v3 clients. */
export * from "./async-predictor";
export * from "./autoscaling";
export * from "./cleanup";
export * from "./config";
export * from "./console-link";
export * from "./cost";
export * from "./endpoint-metrics";
export * from "./estimator";
export * from "./image-uris";
export * from "./jumpstart";
export * from "./lambda";
export {
  ensureLocalSageMaker,
  type LocalSageMakerHealth,
  localSageMakerHealth,
  localSageMakerUrl,
  stopLocalSageMaker,
} from "./local-launcher";
export * from "./logs";
export * from "./model";
export * from "./multi-data-model";
export * from "./naming";
export * from "./pipeline-model";
export * from "./predictor";
export * from "./processor";
export * from "./registry";
export * from "./request-preview";
export * from "./s3";
export * from "./serializers";
export * from "./session";
export * from "./transformer";
export * from "./workflow";
