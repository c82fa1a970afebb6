/**
 * `ko-sagemaker/local/shapes`: the check local SageMaker runs on every request before anything happens, for a
 * notebook that shows an AWS request it does not send. It reads the input against the service's Smithy shapes
 * (required members, lengths, patterns, enums, ranges) and throws the validation error AWS's front end would answer.
 * Loads the service models only, none of the server.
 */
import { readInput } from "./protocol/model";
import { MODELS } from "./protocol/models";

export type CheckedService = "sagemaker" | "sagemaker-runtime";

/** Throws the ValidationException (ValidationError for the runtime) AWS would answer; returns "ok" otherwise. */
export function checkAwsRequest(service: CheckedService, operation: string, input: unknown): "ok" {
  const model = service === "sagemaker" ? MODELS.sagemaker : MODELS.sagemakerRuntime;
  if (!model.operations[operation]) {
    throw new Error(`The ${service} model has no operation "${operation}".`);
  }
  readInput(model, operation, input, {
    validationCode: service === "sagemaker" ? "ValidationException" : "ValidationError",
  });
  return "ok";
}
