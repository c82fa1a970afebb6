import type {
  DescribeEndpointInput,
  DescribeEndpointOutput,
  ProductionVariantSummary,
  UpdateEndpointWeightsAndCapacitiesInput,
  UpdateEndpointWeightsAndCapacitiesOutput,
} from "@aws-sdk/client-sagemaker";
import { validationError } from "./errors";
import type { VariantDimension } from "./records";

/**
 * The scalable resource of local Application Auto Scaling: a SageMaker endpoint variant, read and changed through
 * SageMaker's typed hosting API (never the wire). `sagemaker:variant:DesiredInstanceCount` is an instance
 * variant's DesiredInstanceCount (UpdateEndpointWeightsAndCapacities starts or stops its containers);
 * `sagemaker:variant:DesiredProvisionedConcurrency` is a serverless variant's ProvisionedConcurrency.
 */

/** What autoscaling needs of SageMaker's endpoints (hosting/endpoints.ts). */
export interface EndpointsApi {
  describeEndpoint(input: DescribeEndpointInput): DescribeEndpointOutput;
  updateEndpointWeightsAndCapacities(
    input: UpdateEndpointWeightsAndCapacitiesInput,
  ): UpdateEndpointWeightsAndCapacitiesOutput;
  onDelete(listener: (endpointName: string) => void): () => void;
}

export const VARIANT_DIMENSIONS: readonly VariantDimension[] = [
  "sagemaker:variant:DesiredInstanceCount",
  "sagemaker:variant:DesiredProvisionedConcurrency",
];

export interface VariantRef {
  endpointName: string;
  variantName: string;
  dimension: VariantDimension;
}

/** Endpoint statuses an update waits out (as AWS's scaling activity does) rather than fails on. */
const BUSY = new Set(["Creating", "Updating", "SystemUpdating", "RollingBack"]);
const POLL_MS = 200;
/** An activity gives up on an endpoint that stays busy this long. */
const BUSY_LIMIT_MS = 15 * 60 * 1000;

/** What a dimension counts, in the words of AWS's activities ("Setting desired instance count to 2."). */
export function capacityWords(dimension: VariantDimension): string {
  return dimension === "sagemaker:variant:DesiredInstanceCount"
    ? "instance count"
    : "provisioned concurrency";
}

/** Reads `endpoint/<endpoint>/variant/<variant>` with one of the variant dimensions, or says what is wrong. */
export function parseVariant(namespace: string, resourceId: string, dimension: string): VariantRef {
  if (namespace !== "sagemaker") {
    throw validationError(
      `Local Application Auto Scaling scales SageMaker endpoint variants only (ServiceNamespace sagemaker); "${namespace}" resources are not served here.`,
    );
  }
  if (resourceId.startsWith("inference-component/")) {
    throw validationError(
      `Local SageMaker has no inference components, so ${resourceId} cannot be scaled here: register an endpoint variant (endpoint/<endpoint-name>/variant/<variant-name>) instead.`,
    );
  }
  const match = /^endpoint\/([^/]+)\/variant\/([^/]+)$/.exec(resourceId);
  if (!match) {
    throw validationError(
      `Unsupported service namespace, resource type or scalable dimension: ResourceId "${resourceId.slice(0, 300)}" is not a SageMaker variant; use endpoint/<endpoint-name>/variant/<variant-name>.`,
    );
  }
  if (!(VARIANT_DIMENSIONS as readonly string[]).includes(dimension)) {
    throw validationError(
      `Unsupported service namespace, resource type or scalable dimension: a SageMaker variant scales by ${VARIANT_DIMENSIONS.join(" or ")}, not ${dimension}.`,
    );
  }
  return {
    endpointName: match[1] as string,
    variantName: match[2] as string,
    dimension: dimension as VariantDimension,
  };
}

export interface VariantState {
  endpoint: DescribeEndpointOutput;
  variant: ProductionVariantSummary;
  /** The capacity SageMaker is asked to keep (DesiredInstanceCount or the desired ProvisionedConcurrency). */
  desired: number;
  /** What runs now (CurrentInstanceCount; for provisioned concurrency, the current config's). */
  current: number;
  asynchronous: boolean;
  /** A serverless variant's MaxConcurrency (the ceiling of its provisioned concurrency). */
  maxConcurrency?: number;
}

/** The variant as SageMaker describes it now; a ValidationException saying why when it cannot be scaled. */
export function describeVariant(endpoints: EndpointsApi, ref: VariantRef): VariantState {
  let endpoint: DescribeEndpointOutput;
  try {
    endpoint = endpoints.describeEndpoint({ EndpointName: ref.endpointName });
  } catch (error) {
    throw validationError(
      `The scalable resource endpoint/${ref.endpointName}/variant/${ref.variantName} does not exist: ${(error as Error).message}`,
    );
  }
  const variants = endpoint.ProductionVariants ?? [];
  const variant = variants.find((candidate) => candidate.VariantName === ref.variantName);
  if (!variant) {
    throw validationError(
      variants.length === 0
        ? `Endpoint ${ref.endpointName} has no variants in service yet (status ${endpoint.EndpointStatus}); wait until it is InService.`
        : `Endpoint ${ref.endpointName} has no variant named ${ref.variantName}; its variants are ${variants.map((v) => v.VariantName).join(", ")}.`,
    );
  }
  const serverless = variant.DesiredServerlessConfig ?? variant.CurrentServerlessConfig;
  if (ref.dimension === "sagemaker:variant:DesiredInstanceCount" && serverless) {
    throw validationError(
      `Variant ${ref.variantName} of endpoint ${ref.endpointName} is serverless and has no instances to count: scale its ProvisionedConcurrency with sagemaker:variant:DesiredProvisionedConcurrency.`,
    );
  }
  if (ref.dimension === "sagemaker:variant:DesiredProvisionedConcurrency") {
    if (!serverless) {
      throw validationError(
        `Variant ${ref.variantName} of endpoint ${ref.endpointName} runs on instances: sagemaker:variant:DesiredProvisionedConcurrency applies to serverless variants; scale it with sagemaker:variant:DesiredInstanceCount.`,
      );
    }
    if (serverless.ProvisionedConcurrency === undefined) {
      throw validationError(
        `Serverless variant ${ref.variantName} of endpoint ${ref.endpointName} has no ProvisionedConcurrency to scale: give its ServerlessConfig a ProvisionedConcurrency first.`,
      );
    }
    return {
      endpoint,
      variant,
      desired: serverless.ProvisionedConcurrency,
      current: variant.CurrentServerlessConfig?.ProvisionedConcurrency ?? serverless.ProvisionedConcurrency,
      asynchronous: false,
      maxConcurrency: serverless.MaxConcurrency,
    };
  }
  return {
    endpoint,
    variant,
    desired: variant.DesiredInstanceCount ?? 0,
    current: variant.CurrentInstanceCount ?? 0,
    asynchronous: endpoint.AsyncInferenceConfig !== undefined,
  };
}

/** The server is stopping: the activity stays InProgress and is taken up again at the next start. */
export class Interrupted extends Error {}

/**
 * Asks SageMaker for `desired` and waits until the variant runs it. An endpoint that is being updated is waited
 * for first, as AWS's activity waits; anything else (the endpoint failed or went away, SageMaker refused, the
 * containers did not come up) rejects with the reason.
 */
export async function applyCapacity(
  endpoints: EndpointsApi,
  ref: VariantRef,
  desired: number,
  stopped: () => boolean,
): Promise<void> {
  const deadline = Date.now() + BUSY_LIMIT_MS;
  const describe = (): DescribeEndpointOutput => {
    if (stopped()) throw new Interrupted("the server is stopping");
    return endpoints.describeEndpoint({ EndpointName: ref.endpointName });
  };
  for (;;) {
    const endpoint = describe();
    const status = endpoint.EndpointStatus as string;
    if (BUSY.has(status)) {
      if (Date.now() > deadline)
        throw new Error(`Endpoint ${ref.endpointName} stayed ${status} for 15 minutes.`);
      await sleep(POLL_MS);
      continue;
    }
    if (status !== "InService") throw new Error(`Endpoint ${ref.endpointName} is ${status}.`);
    const state = describeVariant(endpoints, ref);
    if (state.desired === desired && settledAt(state, desired)) return;
    endpoints.updateEndpointWeightsAndCapacities({
      EndpointName: ref.endpointName,
      DesiredWeightsAndCapacities: [
        ref.dimension === "sagemaker:variant:DesiredInstanceCount"
          ? { VariantName: ref.variantName, DesiredInstanceCount: desired }
          : { VariantName: ref.variantName, ServerlessUpdateConfig: { ProvisionedConcurrency: desired } },
      ],
    });
    break;
  }
  for (;;) {
    await sleep(POLL_MS);
    const endpoint = describe();
    const status = endpoint.EndpointStatus as string;
    if (BUSY.has(status)) continue;
    if (status !== "InService") throw new Error(`Endpoint ${ref.endpointName} became ${status}.`);
    const state = describeVariant(endpoints, ref);
    if (state.desired === desired && settledAt(state, desired)) return;
    throw new Error(
      endpoint.FailureReason ??
        `the variant ${ref.variantName} runs ${state.current} (desired ${state.desired}) instead of ${desired}.`,
    );
  }
}

function settledAt(state: VariantState, desired: number): boolean {
  return state.current === desired;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
