import type { InvokeEndpointAsyncInput, InvokeEndpointInput } from "@aws-sdk/client-sagemaker-runtime";
import type { OperationTable } from "../../core/binding";
import type { RuntimeService } from "./service";

/** SageMaker Runtime's operations, by their AWS names (served over restJson1). */
export function runtimeOperations(runtime: RuntimeService): OperationTable {
  return {
    InvokeEndpoint: (input: InvokeEndpointInput) => runtime.invokeEndpoint(input),
    InvokeEndpointAsync: (input: InvokeEndpointAsyncInput) => runtime.invokeEndpointAsync(input),
  };
}
