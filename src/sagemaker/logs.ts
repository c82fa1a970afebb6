import {
  type CloudWatchLogsClient,
  GetLogEventsCommand,
  paginateDescribeLogStreams,
} from "@aws-sdk/client-cloudwatch-logs";

export const TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs";
/** Where SageMaker writes a transform job's logs (streams `<job>/<instance id>`). */
export const TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs";

/** Where SageMaker writes an endpoint's container logs (streams `<variant>/<instance id>`). */
export const endpointLogGroup = (endpointName: string): string => `/aws/sagemaker/Endpoints/${endpointName}`;

export interface LogLine {
  stream: string;
  timestamp: number;
  message: string;
}

const isMissing = (error: unknown): boolean => (error as Error).name === "ResourceNotFoundException";

/**
 * Follows every log stream under a prefix with GetLogEvents forward tokens, the way the Python SDK's
 * `logs=True` does: a training job's streams are `<job>/algo-N-<epoch>` in TRAINING_LOG_GROUP; an endpoint's
 * are all streams of `endpointLogGroup(name)` (prefix ""). Each `poll()` returns the lines that arrived since
 * the previous one; the group not existing yet (a job that has not started) is not an error.
 */
export class LogStreamFollower {
  private readonly tokens = new Map<string, string | undefined>();

  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly streamPrefix: string,
    private readonly logGroupName: string = TRAINING_LOG_GROUP,
  ) {}

  static forTrainingJob(logs: CloudWatchLogsClient, jobName: string): LogStreamFollower {
    return new LogStreamFollower(logs, `${jobName}/`);
  }

  static forTransformJob(logs: CloudWatchLogsClient, jobName: string): LogStreamFollower {
    return new LogStreamFollower(logs, `${jobName}/`, TRANSFORM_LOG_GROUP);
  }

  static forEndpoint(logs: CloudWatchLogsClient, endpointName: string): LogStreamFollower {
    return new LogStreamFollower(logs, "", endpointLogGroup(endpointName));
  }

  async poll(): Promise<LogLine[]> {
    const streams: string[] = [];
    try {
      const pages = paginateDescribeLogStreams(
        { client: this.logs },
        {
          logGroupName: this.logGroupName,
          ...(this.streamPrefix ? { logStreamNamePrefix: this.streamPrefix } : {}),
        },
      );
      for await (const page of pages) {
        for (const stream of page.logStreams ?? [])
          if (stream.logStreamName) streams.push(stream.logStreamName);
      }
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const lines: LogLine[] = [];
    for (const stream of streams.sort()) {
      // Not the SDK's paginator: it stops at the end of the stream, and this loop must resume from there next poll.
      // GetLogEvents answers the same token when a stream has nothing new: that ends the page loop.
      for (;;) {
        const token = this.tokens.get(stream);
        const page = await this.logs.send(
          new GetLogEventsCommand({
            logGroupName: this.logGroupName,
            logStreamName: stream,
            startFromHead: true,
            nextToken: token,
          }),
        );
        for (const event of page.events ?? []) {
          lines.push({ stream, timestamp: event.timestamp ?? 0, message: event.message ?? "" });
        }
        this.tokens.set(stream, page.nextForwardToken);
        if (!page.nextForwardToken || page.nextForwardToken === token || (page.events ?? []).length === 0)
          break;
      }
    }
    return lines;
  }
}
