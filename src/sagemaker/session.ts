import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  type CreateBucketCommandInput,
  HeadBucketCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  loadWorkshopConfig,
  localRoleArn,
  requireRoleArn,
  type WorkshopConfig,
  type WorkshopMode,
} from "./config";
import { assertCostConsent } from "./cost";
import { ensureLocalSageMaker, localCredentials, localSageMakerHealth } from "./local-launcher";

/** Everything a lab needs to talk to SageMaker: the SDK clients, the bucket, the role. */
export interface WorkshopSession {
  readonly config: WorkshopConfig;
  readonly mode: WorkshopMode;
  readonly region: string;
  /** Set in local mode: where local SageMaker answers. */
  readonly localUrl?: string;
  readonly sagemaker: SageMakerClient;
  readonly runtime: SageMakerRuntimeClient;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
  /** Lambda (local Lambda on the same server in local mode). */
  readonly lambda: LambdaClient;
  /** Metrics and alarms (CloudWatch): endpoint metrics, deployment guardrails. */
  readonly cloudwatch: CloudWatchClient;
  /** Application Auto Scaling (local on the same server in local mode): endpoint variants' instance counts. */
  readonly autoscaling: ApplicationAutoScalingClient;
  /** The execution role ARN (a clear error in AWS mode when none is configured). */
  roleArn(): string;
  accountId(): Promise<string>;
  /** The bucket's name (`sagemaker-<region>-<account>` or the configured one), without touching S3. */
  bucketName(): Promise<string>;
  /** The bucket, created when absent (in AWS mode only after the user opted in to costs). */
  defaultBucket(): Promise<string>;
}

interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Creates the SDK clients for one mode; exported so tests can build AWS-mode clients without sending anything. */
export function createClients(settings: ClientSettings) {
  // The SDK's notice that its 2027 releases need Node 22 would print into every lab's first cell; the workshop
  // supports Node 20 and lab 1.1 checks the version. A user who sets the variable keeps their choice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return {
    sagemaker: new SageMakerClient(settings),
    runtime: new SageMakerRuntimeClient(settings),
    // Local SageMaker serves S3 path-style on its one port (there is no bucket.host DNS on 127.0.0.1).
    s3: new S3Client({ ...settings, forcePathStyle: settings.endpoint !== undefined }),
    logs: new CloudWatchLogsClient(settings),
    lambda: new LambdaClient(settings),
    cloudwatch: new CloudWatchClient(settings),
    autoscaling: new ApplicationAutoScalingClient(settings),
  };
}

export interface CreateSessionOptions {
  config?: WorkshopConfig;
  /** Local mode: use this URL instead of starting or attaching to local SageMaker. */
  localUrl?: string;
  /** Local mode: the state folder of that server, whose credentials file the clients sign with. */
  localStateDir?: string;
}

/**
 * Opens a session. Local mode attaches to a running local SageMaker (or starts one in the background);
 * AWS mode uses the default credential chain and the configured region, and sends nothing until asked.
 */
export async function createSession(options: CreateSessionOptions = {}): Promise<WorkshopSession> {
  const config = options.config ?? loadWorkshopConfig();
  if (config.mode === "local") {
    const stateDir = options.localStateDir === undefined ? {} : { stateDir: options.localStateDir };
    const port = config.localPort === undefined ? {} : { port: config.localPort };
    const { url, health, credentials, started } = options.localUrl
      ? {
          url: options.localUrl,
          health: await localSageMakerHealth(options.localUrl),
          credentials: localCredentials(stateDir),
          started: false,
        }
      : await ensureLocalSageMaker({ ...stateDir, ...port });
    if (started) console.log(startedNotice(url, options.localStateDir));
    if (!health)
      throw new Error(`Local SageMaker does not answer at ${url}: start it with \`npm run local\`.`);
    // The server decides the region and account its ARNs carry (the clients must agree with it), and admits only
    // requests signed with the key of its state folder.
    const local = { ...config, region: health.region, roleArn: localRoleArn(health.accountId) };
    const key = { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey };
    const clients = createClients({ region: local.region, endpoint: url, credentials: key });
    return buildSession(local, clients, async () => health.accountId, url);
  }
  const clients = createClients({ region: config.region });
  const sts = new STSClient({ region: config.region });
  let account: Promise<string> | undefined;
  const accountId = () => {
    account ??= sts.send(new GetCallerIdentityCommand({})).then((identity) => {
      if (!identity.Account) throw new Error("STS GetCallerIdentity returned no account id.");
      return identity.Account;
    });
    return account;
  };
  return buildSession(config, clients, accountId);
}

/** What a notebook that started local SageMaker says: it keeps running in the background, and how to stop it. */
export function startedNotice(url: string, stateDir?: string): string {
  // The commands find the server through its state folder's lock, so only a folder of its own needs naming.
  const folder = stateDir ? ` --state-dir ${stateDir}` : "";
  return (
    `로컬 SageMaker를 백그라운드로 시작했습니다(${url}). 노트북을 닫아도 계속 실행되며, ` +
    `확인은 \`npm run local -- status${folder}\`, 멈추기는 \`npm run local -- stop${folder}\`입니다. ` +
    `(Started local SageMaker at ${url} in the background; it outlives this notebook. \`npm run local -- status\` ` +
    "shows what it holds, `npm run local -- stop` stops it; `npm run labs` stops a server it started itself.)"
  );
}

/** The Python SDK's default bucket name. */
export const defaultBucketName = (region: string, account: string): string =>
  `sagemaker-${region}-${account}`;

/** us-east-1 is the one region where CreateBucket must not name a location constraint. */
export function createBucketRequest(bucket: string, region: string): CreateBucketCommandInput {
  return region === "us-east-1"
    ? { Bucket: bucket }
    : {
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: region as never },
      };
}

function buildSession(
  config: WorkshopConfig,
  clients: ReturnType<typeof createClients>,
  accountId: () => Promise<string>,
  localUrl?: string,
): WorkshopSession {
  let bucket: Promise<string> | undefined;
  const bucketName = async () => config.bucket ?? defaultBucketName(config.region, await accountId());
  const ensureBucket = async (): Promise<string> => {
    const name = await bucketName();
    try {
      await clients.s3.send(new HeadBucketCommand({ Bucket: name }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404) {
        throw new Error(
          `Cannot use the bucket "${name}" (${(error as Error).name}: ${(error as Error).message}). ` +
            "If it belongs to another account, set SM_BUCKET to a bucket of yours.",
        );
      }
      assertCostConsent(config, `the S3 bucket ${name}`);
      await clients.s3.send(new CreateBucketCommand(createBucketRequest(name, config.region)));
    }
    return name;
  };
  return {
    config,
    mode: config.mode,
    region: config.region,
    localUrl,
    ...clients,
    roleArn: () => requireRoleArn(config),
    accountId,
    bucketName,
    defaultBucket() {
      bucket ??= ensureBucket().catch((error) => {
        bucket = undefined;
        throw error;
      });
      return bucket;
    },
  };
}
