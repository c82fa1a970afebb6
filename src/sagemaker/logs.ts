import {
  type CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";

export const TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs";

export interface LogLine {
  stream: string;
  timestamp: number;
  message: string;
}

const isMissing = (error: unknown): boolean => (error as Error).name === "ResourceNotFoundException";

/**
 * Follows every log stream of one job (`<job>/algo-N-<epoch>`) with GetLogEvents forward tokens, the way the
 * Python SDK's `logs=True` does. Each `poll()` returns the lines that arrived since the previous one; the
 * group not existing yet (a job that has not started) is not an error.
 */
export class JobLogFollower {
  private readonly tokens = new Map<string, string | undefined>();

  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly jobName: string,
    private readonly logGroupName: string = TRAINING_LOG_GROUP,
  ) {}

  async poll(): Promise<LogLine[]> {
    let streams: string[];
    try {
      const found = await this.logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: this.logGroupName,
          logStreamNamePrefix: `${this.jobName}/`,
        }),
      );
      streams = (found.logStreams ?? []).flatMap((stream) =>
        stream.logStreamName ? [stream.logStreamName] : [],
      );
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const lines: LogLine[] = [];
    for (const stream of streams.sort()) {
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
