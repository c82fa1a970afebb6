import { AwsError } from "../../core/errors";

/** Application Auto Scaling's error codes (botocore application-autoscaling-2016-02-06), all HTTP 400. */

export const validationError = (message: string): AwsError => new AwsError("ValidationException", message);

export const objectNotFound = (message: string): AwsError => new AwsError("ObjectNotFoundException", message);

export const limitExceeded = (message: string): AwsError => new AwsError("LimitExceededException", message);

export const invalidNextToken = (token: string): AwsError =>
  new AwsError(
    "InvalidNextTokenException",
    `Invalid NextToken "${token.slice(0, 100)}": pass the NextToken of the previous answer of the same Describe call.`,
  );

/** How AWS names a scalable target in its errors. */
export function targetWords(namespace: string, resourceId: string, dimension: string): string {
  return `service namespace: ${namespace}, resource ID: ${resourceId}, scalable dimension: ${dimension}`;
}
