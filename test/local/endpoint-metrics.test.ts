import {
  CloudWatchClient,
  type Datapoint,
  type Dimension,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from "@aws-sdk/client-cloudwatch";
import { DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../support/local-clients";
import {
  deleteAllEndpoints,
  deploy,
  KEYWORD_MODEL,
  type Local,
  modelArchive,
  startLocal,
  stopLocal,
} from "./hosting-fixtures";

/** What SageMaker publishes to CloudWatch about endpoints, read back with the CloudWatch client. */

let local: Local;
let cloudwatch: CloudWatchClient;

beforeAll(async () => {
  local = await startLocal();
  cloudwatch = new CloudWatchClient(clientConfig(local.server));
});
afterAll(async () => {
  cloudwatch?.destroy();
  await deleteAllEndpoints(local);
  await stopLocal(local);
});

/**
 * Polls until the statistic has `enough` samples, or `enough(point)` holds (metrics are published about once a
 * second, and an idle variant's zero counts every few seconds).
 */
async function statistics(
  namespace: string,
  metric: string,
  dimensions: Dimension[],
  enough: number | ((point: Datapoint) => boolean) = 1,
): Promise<Datapoint> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const answer = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: metric,
        Dimensions: dimensions,
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ["Sum", "SampleCount", "Average", "Maximum"],
      }),
    );
    const point = answer.Datapoints?.[0];
    if (point && (typeof enough === "number" ? (point.SampleCount ?? 0) >= enough : enough(point)))
      return point;
    if (Date.now() > deadline)
      throw new Error(`${namespace} ${metric}: ${JSON.stringify(answer.Datapoints)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("endpoint metrics", () => {
  let endpoint: string;
  let config: string;

  beforeAll(async () => {
    ({ endpoint, config } = await deploy(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL })));
    const send = (Body: string) =>
      local.runtimeOnce
        .send(new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: "application/json", Body }))
        .catch(() => undefined);
    for (let i = 0; i < 5; i++) await send('{"inputs":"최고의 영화"}');
    for (let i = 0; i < 2; i++) await send('{"review":"no inputs"}');
  });

  const byVariant = () => [
    { Name: "EndpointName", Value: endpoint },
    { Name: "VariantName", Value: "AllTraffic" },
  ];

  it("counts Invocations, InvocationsPerInstance and the model's 4XX errors per endpoint and variant", async () => {
    const sum = (total: number) => (point: Datapoint) => point.Sum === total;
    expect((await statistics("AWS/SageMaker", "Invocations", byVariant(), sum(7))).Sum).toBe(7);
    expect((await statistics("AWS/SageMaker", "InvocationsPerInstance", byVariant(), sum(7))).Sum).toBe(7);
    expect((await statistics("AWS/SageMaker", "Invocation4XXErrors", byVariant(), sum(2))).Sum).toBe(2);
    expect((await statistics("AWS/SageMaker", "Invocation5XXErrors", byVariant())).Sum).toBe(0);
    // One sample per request, as SageMaker counts them: the Average of an error metric is the error rate.
    const errors = await statistics("AWS/SageMaker", "Invocation4XXErrors", byVariant(), sum(2));
    expect(errors.SampleCount).toBeGreaterThanOrEqual(7);
    expect(errors.Average).toBeCloseTo(2 / (errors.SampleCount as number), 5);
  });

  it("measures ModelLatency and OverheadLatency in microseconds", async () => {
    const model = await statistics("AWS/SageMaker", "ModelLatency", byVariant(), 5);
    const overhead = await statistics("AWS/SageMaker", "OverheadLatency", byVariant(), 7);
    expect(model.SampleCount).toBe(5);
    expect(model.Average).toBeGreaterThan(50); // a loopback round trip into a container is far more than 50 µs
    expect(model.Unit).toBe("Microseconds");
    expect(overhead.SampleCount).toBe(7);
    expect(overhead.Average).toBeGreaterThan(0);
  });

  it("publishes the same metrics with EndpointConfigName, what blue/green deployments are charted by", async () => {
    const dimensions = [...byVariant(), { Name: "EndpointConfigName", Value: config }];
    expect(
      (await statistics("AWS/SageMaker", "Invocations", dimensions, (point) => point.Sum === 7)).Sum,
    ).toBe(7);
  });

  it("keeps publishing an idle variant's counts as zeros (what a scale-in alarm needs)", async () => {
    const idle = await statistics(
      "AWS/SageMaker",
      "Invocations",
      byVariant(),
      (p) => (p.SampleCount ?? 0) >= 3,
    );
    expect(idle.Sum).toBe(7);
  });

  it("samples the containers' CPU and memory as /aws/sagemaker/Endpoints metrics", async () => {
    const memory = await statistics("/aws/sagemaker/Endpoints", "MemoryUtilization", byVariant());
    expect(memory.Maximum).toBeGreaterThan(0);
    expect(memory.Maximum).toBeLessThan(100);
    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: "/aws/sagemaker/Endpoints" }));
    expect(new Set(listed.Metrics?.map((metric) => metric.MetricName))).toEqual(
      new Set(["CPUUtilization", "MemoryUtilization"]),
    );
  }, 30_000);
});

describe("serverless and asynchronous endpoints", () => {
  it("a serverless cold start is a ModelSetupTime sample", async () => {
    const { endpoint } = await deploy(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL }), {
      variants: [
        {
          InstanceType: undefined,
          InitialInstanceCount: undefined,
          ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 },
        },
      ],
    });
    await local.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpoint,
        ContentType: "application/json",
        Body: '{"inputs":"x"}',
      }),
    );
    const setup = await statistics("AWS/SageMaker", "ModelSetupTime", [
      { Name: "EndpointName", Value: endpoint },
      { Name: "VariantName", Value: "AllTraffic" },
    ]);
    expect(setup.SampleCount).toBe(1);
    expect(setup.Maximum).toBeGreaterThan(10_000); // starting a process takes more than 10 ms
    const described = await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(described.EndpointStatus).toBe("InService");
  });
});
