import type { ServiceModel } from "./model";
import applicationAutoScaling from "./models/application-autoscaling.json";
import cloudwatch from "./models/cloudwatch.json";
import lambda from "./models/lambda.json";
import logs from "./models/logs.json";
import sagemaker from "./models/sagemaker.json";
import sagemakerRuntime from "./models/sagemaker-runtime.json";

/** The generated service models (static imports, so the compiler copies them to dist/). */
export const MODELS = {
  sagemaker: sagemaker as unknown as ServiceModel,
  sagemakerRuntime: sagemakerRuntime as unknown as ServiceModel,
  logs: logs as unknown as ServiceModel,
  lambda: lambda as unknown as ServiceModel,
  cloudwatch: cloudwatch as unknown as ServiceModel,
  applicationAutoScaling: applicationAutoScaling as unknown as ServiceModel,
} as const;
