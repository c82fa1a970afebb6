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

/** Logs an unexpected failure once, with its stack, so a bug is visible without killing the server. */
export function reportUnexpected(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`local-sagemaker: internal error: ${text}\n`);
}

/**
 * The one "unexpected error" path: anything thrown that is not an AwsError is a bug of ours, reported with its
 * stack and answered as the protocol's internal failure (InternalFailure for JSON services, InternalError for S3),
 * with a message that still says what failed.
 */
export function toAwsError(error: unknown, internalCode = "InternalFailure"): AwsError {
  if (error instanceof AwsError) return error;
  reportUnexpected(error);
  const message = error instanceof Error ? error.message : String(error);
  return new AwsError(internalCode, `Local SageMaker failed to handle the request: ${message}`, {
    status: 500,
  });
}
