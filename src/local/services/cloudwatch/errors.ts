import { AwsError } from "../../core/errors";

/**
 * CloudWatch's errors by their modeled shape names (the JSON and CBOR `__type`); the protocol layer writes each in
 * its own form and, for awsQuery and query-compatible answers, under the model's query code
 * (InvalidParameterValueException → InvalidParameterValue). ValidationError is CloudWatch's unmodeled answer to
 * inconsistent alarms and GetMetricData queries, under that name in every protocol.
 */

export const invalidValue = (message: string): AwsError =>
  new AwsError("InvalidParameterValueException", message);

export const invalidCombination = (message: string): AwsError =>
  new AwsError("InvalidParameterCombinationException", message);

export const missingParameter = (message: string): AwsError =>
  new AwsError("MissingRequiredParameterException", message);

export const validationError = (message: string): AwsError => new AwsError("ValidationError", message);

export const resourceNotFound = (message: string): AwsError =>
  new AwsError("ResourceNotFound", message, { status: 404 });

export const limitExceeded = (message: string): AwsError => new AwsError("LimitExceededFault", message);

export const invalidNextToken = (token: string): AwsError =>
  new AwsError(
    "InvalidNextToken",
    `The NextToken "${token.slice(0, 100)}" was not given out by this call: pass the NextToken of the previous answer to the same request.`,
  );

export const invalidFormat = (message: string): AwsError => new AwsError("InvalidFormatFault", message);
