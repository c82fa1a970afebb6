/**
 * The one error type services throw. It carries what an AWS service would answer (code, HTTP status,
 * extra members such as OriginalStatusCode) and nothing about how it is written on the wire:
 * each protocol serialiser (awsJson, restJson, S3 XML) renders it in its own format.
 */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { status?: number; fields?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = options.status ?? 400;
    this.fields = options.fields ?? {};
  }
}

/** SageMaker's answer to bad input and to a missing resource ("Could not find ..."). */
export const validation = (message: string): AwsError => new AwsError("ValidationException", message);

export const notFound = (kind: string, arn: string): AwsError =>
  new AwsError("ValidationException", `Could not find ${kind} "${arn}".`);
