import type {
  AsyncInferenceConfig,
  ContainerDefinition,
  DeploymentConfig,
  EndpointStatus,
  ProductionVariant,
  ProductionVariantServerlessConfig,
} from "@aws-sdk/client-sagemaker";
import type { ExecutionMode } from "./model-instance";

/** Durable documents of the hosting resources. Times are epoch milliseconds; outputs turn them into Dates. */

export interface ModelRecord {
  ModelName: string;
  ModelArn: string;
  CreationTime: number;
  PrimaryContainer?: ContainerDefinition;
  Containers?: ContainerDefinition[];
  ExecutionRoleArn?: string;
  EnableNetworkIsolation?: boolean;
  VpcConfig?: unknown;
  InferenceExecutionConfig?: { Mode?: string };
}

export interface EndpointConfigRecord {
  EndpointConfigName: string;
  EndpointConfigArn: string;
  CreationTime: number;
  ProductionVariants: ProductionVariant[];
  /** Members local SageMaker keeps and echoes but does not act on (DataCaptureConfig, KmsKeyId, ...). */
  extra: Record<string, unknown>;
}

export interface VariantRecord {
  VariantName: string;
  ModelName: string;
  weight: number;
  instanceCount: number;
  /** The model's containers as they were when deployed: an endpoint keeps serving after its model is deleted. */
  containers: ContainerDefinition[];
  /** How requests travel through several containers: Serial (an inference pipeline) or Direct. */
  mode: ExecutionMode;
  imageResolvedAt: number;
  /** ContainerStartupHealthCheckTimeoutInSeconds of the config's variant. */
  startupTimeoutS?: number;
  /** Served without standing instances (instanceCount is then the ProvisionedConcurrency kept warm). */
  serverless?: ProductionVariantServerlessConfig;
}

export interface EndpointRecord {
  EndpointName: string;
  EndpointArn: string;
  EndpointConfigName: string;
  EndpointStatus: EndpointStatus;
  FailureReason?: string;
  CreationTime: number;
  LastModifiedTime: number;
  /** What serves now (empty until the first deployment is up). */
  variants: VariantRecord[];
  /** Present on an asynchronous endpoint: where answers go, and how many requests one instance takes. */
  asyncInference?: AsyncInferenceConfig;
  /** CreateEndpoint's DeploymentConfig, what RetainDeploymentConfig reuses until an update brings another. */
  deploymentConfig?: DeploymentConfig;
  /** The DeploymentConfig of the last update (DescribeEndpoint's LastDeploymentConfig). */
  lastDeploymentConfig?: DeploymentConfig;
  /** The config being rolled out by CreateEndpoint or UpdateEndpoint. */
  pending?: PendingDeployment;
}

export interface PendingDeployment {
  EndpointConfigName: string;
  StartTime: number;
  variants: VariantRecord[];
  asyncInference?: AsyncInferenceConfig;
  /** How traffic moves to these variants (UpdateEndpoint's DeploymentConfig). */
  deploymentConfig?: DeploymentConfig;
  /** Where the rollout is: each pending variant's VariantStatus. */
  stage?: { Status: "Creating" | "ActivatingTraffic" | "Baking"; StatusMessage?: string; StartTime: number };
}
