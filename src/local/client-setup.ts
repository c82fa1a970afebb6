/**
 * What `npm run local` prints for a shell: the lines that let the AWS CLI (v1 and every v2), boto3 and the AWS SDK
 * for JavaScript sign with the server's local key and reach it. The README quotes the same lines (a test checks).
 *
 * - Region: AWS CLI v1 and boto3 read `AWS_DEFAULT_REGION`; CLI v2 and the JS SDK read `AWS_REGION` first. Both.
 * - Endpoint: `--endpoint-url` (CLI) and `endpoint_url=` (boto3) work with every version. The environment variable
 *   `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`) is read only by AWS CLI ≥ 1.29 / ≥ 2.13, boto3 ≥ 1.28 and
 *   the AWS SDK for JavaScript v3 ≥ 3.428.0; older clients ignore it and would call real AWS.
 */

/** The minimum client versions that read `AWS_ENDPOINT_URL`. */
export const ENDPOINT_ENV_MINIMUMS =
  "AWS CLI 1.29+ or 2.13+, boto3 1.28+ (botocore 1.31+), AWS SDK for JavaScript v3 3.428.0+";

export function clientSetupLines(url: string, credentialsFile: string, region: string): string[] {
  return [
    `export AWS_SHARED_CREDENTIALS_FILE=${credentialsFile} AWS_PROFILE=local`,
    `export AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`,
    `# then, with any AWS CLI (v1 or v2): aws --endpoint-url ${url} s3 ls`,
    `# boto3: boto3.Session().client("s3", endpoint_url="${url}")`,
    `# or, only with ${ENDPOINT_ENV_MINIMUMS}: export AWS_ENDPOINT_URL=${url}`,
  ];
}
