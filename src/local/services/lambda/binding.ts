import type {
  CreateFunctionRequest,
  DeleteFunctionRequest,
  GetFunctionConfigurationRequest,
  GetFunctionRequest,
  InvocationRequest,
  ListFunctionsRequest,
  UpdateFunctionCodeRequest,
  UpdateFunctionConfigurationRequest,
} from "@aws-sdk/client-lambda";
import type { OperationTable } from "../../core/binding";
import type { LambdaService } from "./service";

/** Lambda's operations, by their AWS names (served over restJson1, signing name "lambda"). */
export function lambdaOperations(lambda: LambdaService): OperationTable {
  return {
    CreateFunction: (input: CreateFunctionRequest) => lambda.createFunction(input),
    GetFunction: (input: GetFunctionRequest) => lambda.getFunction(input),
    GetFunctionConfiguration: (input: GetFunctionConfigurationRequest) =>
      lambda.getFunctionConfiguration(input),
    ListFunctions: (input: ListFunctionsRequest) => lambda.listFunctions(input),
    UpdateFunctionCode: (input: UpdateFunctionCodeRequest) => lambda.updateFunctionCode(input),
    UpdateFunctionConfiguration: (input: UpdateFunctionConfigurationRequest) =>
      lambda.updateFunctionConfiguration(input),
    DeleteFunction: (input: DeleteFunctionRequest) => lambda.deleteFunction(input),
    Invoke: (input: InvocationRequest) => lambda.invoke(input),
  };
}
