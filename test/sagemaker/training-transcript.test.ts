/**
 * The training transcript keeps log order (a line logged before "Uploading" began is printed before it), and the
 * metric lines split into per-epoch points and final metrics (lab 3.3's charts).
 */
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { describe, expect, it } from "vitest";
import { metricCurves } from "../../src/labs/metrics";
import { waitForTrainingJob } from "../../src/sagemaker/estimator";
import type { WorkshopSession } from "../../src/sagemaker/session";

const at = (ms: number) => new Date(ms);

/** A session whose DescribeTrainingJob answers in turn, and whose one log stream yields one batch per poll. */
function scriptedSession(): WorkshopSession {
  const transitions = [
    { Status: "Training", StartTime: at(1000), StatusMessage: "training" },
    { Status: "Uploading", StartTime: at(5000), StatusMessage: "uploading" },
    { Status: "Completed", StartTime: at(6000), StatusMessage: "done" },
  ];
  const describes = [
    {
      TrainingJobStatus: "InProgress",
      SecondaryStatus: "Training",
      SecondaryStatusTransitions: transitions.slice(0, 1),
    },
    {
      TrainingJobStatus: "InProgress",
      SecondaryStatus: "Uploading",
      SecondaryStatusTransitions: transitions.slice(0, 2),
    },
    { TrainingJobStatus: "Completed", SecondaryStatus: "Completed", SecondaryStatusTransitions: transitions },
  ];
  const batches = [
    [{ timestamp: 2000, message: "epoch=1; loss=0.5; eval_loss=0.4; eval_accuracy=0.80;" }],
    [
      { timestamp: 4000, message: "epoch=2; loss=0.3; eval_loss=0.35; eval_accuracy=0.85;" },
      { timestamp: 5500, message: "packing the model" },
    ],
    [{ timestamp: 5800, message: "final (validation): eval_accuracy=0.85; eval_f1=0.84; eval_loss=0.35;" }],
  ];
  let describeCall = 0;
  let polls = 0;
  let served = false;
  // The SDK's paginators want a real client: this one answers from the script instead of the network.
  const logs = new CloudWatchLogsClient({ region: "ap-northeast-2" });
  Object.assign(logs, {
    send: async (command: { constructor: { name: string }; input: { nextToken?: string } }) => {
      if (command.constructor.name === "DescribeLogStreamsCommand") {
        polls++; // every poll starts by listing the streams
        served = false;
        return { logStreams: [{ logStreamName: "job/algo-1" }] };
      }
      // One batch per poll; asked again within the poll, nothing new (the same token ends its page loop).
      if (served) return { events: [], nextForwardToken: command.input.nextToken };
      served = true;
      return { events: batches[polls - 1] ?? [], nextForwardToken: `t${polls}` };
    },
  });
  return {
    mode: "local",
    sagemaker: {
      send: async () => ({
        StoppingCondition: { MaxRuntimeInSeconds: 60 },
        ...describes[Math.min(describeCall++, 2)],
      }),
    },
    logs,
  } as unknown as WorkshopSession;
}

describe("waitForTrainingJob's transcript", () => {
  it("prints lines logged before a transition before its announcement, and the end after the last lines", async () => {
    const transcript: string[] = [];
    const result = await waitForTrainingJob(scriptedSession(), "job", {
      pollSeconds: 0.001,
      onStatus: (change) => transcript.push(`[${change.secondaryStatus}]`),
      onLog: (line) => transcript.push(line.message.split(";")[0] as string),
    });
    expect(transcript).toEqual([
      "[Training]",
      "epoch=1",
      "epoch=2",
      "[Uploading]",
      "packing the model",
      "final (validation): eval_accuracy=0.85",
      "[Completed]",
    ]);
    expect(result.status).toBe("Completed");
  });
});

describe("metricCurves", () => {
  it("puts epoch lines on the epoch axis and keeps the final evaluation apart", () => {
    const logs = [
      { message: "epoch=1; loss=0.5; eval_loss=0.4; eval_accuracy=0.80;" },
      { message: "epoch=2; loss=0.3; eval_loss=0.35; eval_accuracy=0.85;" },
      { message: "final (validation): eval_accuracy=0.85; eval_f1=0.84; eval_loss=0.35;" },
    ];
    const curves = metricCurves(logs);
    expect(curves.perEpoch.eval_accuracy).toEqual([
      { epoch: 1, value: 0.8 },
      { epoch: 2, value: 0.85 },
    ]);
    expect(curves.perEpoch.eval_f1).toBeUndefined();
    expect(curves.final).toEqual({ eval_accuracy: 0.85, eval_f1: 0.84, eval_loss: 0.35 });
  });
});
