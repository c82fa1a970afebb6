import type { LocalServer } from "../../src/local/server";

/** What an AWS SDK client needs to reach a local SageMaker in a test: its URL, region and its own key. */
export function clientConfig(server: LocalServer): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  const { accessKeyId, secretAccessKey } = server.credentials;
  return { endpoint: server.url, region: server.region, credentials: { accessKeyId, secretAccessKey } };
}

/** The environment a subprocess (boto3, the AWS CLI) signs with: the server's shared-credentials file. */
export function credentialsEnvironment(server: LocalServer): Record<string, string> {
  return {
    AWS_SHARED_CREDENTIALS_FILE: server.credentials.file,
    AWS_PROFILE: "local",
    AWS_REGION: server.region,
    AWS_DEFAULT_REGION: server.region,
  };
}
