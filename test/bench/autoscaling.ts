/**
 * Local autoscaling benchmark (`npm run bench:autoscaling`): seconds from the start of a bounded load to the
 * variant running 3 instances InService, starting from 1, under a target-tracking policy on
 * SageMakerVariantInvocationsPerInstance, at the alarm time scale the labs use (0.1: a 60 s alarm period is judged
 * on 6 s windows, so the high alarm needs 3 × 6 s of datapoints over the target).
 *
 * The load: CALLERS concurrent InvokeEndpoint callers through the JS SDK, paced to RATE requests/s in total. The
 * target value is set so the proportional rule asks for 3 instances in one step: RATE × window / 2.8 invocations
 * per instance per window. The server runs in this process (startLocalServer), so that when SageMaker does not
 * publish InvocationsPerInstance itself, the benchmark publishes it in-process the way SageMaker does (each second's
 * answered invocations spread over the instances running then, at one-second resolution); it says which it used.
 *
 * Env: BENCH_RUNS (default 3), BENCH_RATE (requests/s, default 100), BENCH_CALLERS (default 4),
 *      BENCH_TIME_SCALE (default 0.1).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApplicationAutoScalingClient,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalingActivity,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  ListMetricsCommand,
} from "@aws-sdk/client-cloudwatch";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import * as tar from "tar";
import { startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";
import { saveTinySentimentModel } from "../support/tiny-sentiment";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 4);
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.1);
const WINDOW_S = Math.max(1, Math.round(60 * TIME_SCALE));
const TARGET = Math.round((RATE * WINDOW_S) / 2.8);
const DEADLINE_S = 180;
const REVIEW = "배우들 연기가 정말 좋았고 마지막 장면에서 감동받았어요";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function modelArchive(): Promise<Buffer> {
  const dir = saveTinySentimentModel();
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, file, cwd: dir }, readdirSync(dir));
  const archive = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  rmSync(file);
  return archive;
}

interface Run {
  /** Seconds from the load's start: the high alarm in ALARM, the scaling activity's start, 3 instances InService. */
  alarm: number;
  activity: number;
  threeInService: number;
  achievedRate: number;
  steps: string[];
}

async function main(): Promise<void> {
  const loadBefore = loadavg().map((load) => load.toFixed(2));
  const stateDir = mkdtempSync(join(tmpdir(), "bench-autoscaling-"));
  const server = await startLocalServer({ port: 0, stateDir, settings: { alarmTimeScale: TIME_SCALE } });
  const config = clientConfig(server);
  const sm = new SageMakerClient(config);
  const runtime = new SageMakerRuntimeClient(config);
  const aas = new ApplicationAutoScalingClient(config);
  const cw = new CloudWatchClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const runs: Run[] = [];
  let publishedBy = "";
  try {
    await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
    await s3.send(
      new PutObjectCommand({ Bucket: "bench", Key: "model/model.tar.gz", Body: await modelArchive() }),
    );
    await sm.send(
      new CreateModelCommand({
        ModelName: "bench",
        PrimaryContainer: { Image: "ko-sagemaker/inference", ModelDataUrl: "s3://bench/model/model.tar.gz" },
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: "bench",
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: "bench",
            InitialInstanceCount: 1,
            InstanceType: "ml.m5.large",
          },
        ],
      }),
    );
    for (let round = 0; round < RUNS; round++) {
      const endpoint = `bench-autoscaling-${round}`;
      await sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: "bench" }));
      await waitUntilEndpointInService(
        { client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
        { EndpointName: endpoint },
      );
      const run = await scaleOnce(endpoint);
      runs.push(run.result);
      publishedBy = run.publishedBy;
      process.stderr.write(
        `run ${round + 1}: ${run.result.threeInService.toFixed(1)} s to 3 instances (${run.result.steps.join(", ")})\n`,
      );
      await sm.send(new DeleteEndpointCommand({ EndpointName: endpoint }));
      await waitUntilEndpointDeleted(
        { client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
        { EndpointName: endpoint },
      );
    }
  } finally {
    for (const client of [sm, runtime, aas, cw, s3]) client.destroy();
    await server.close();
    rmSync(stateDir, { recursive: true, force: true });
  }

  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const cores = cpus();
  const rows: [string, string][] = [
    ["machine", `${cores.length} cores (${cores[0]?.model.trim()}), Node ${process.versions.node}`],
    [
      "load average before / after (1, 5, 15 min)",
      `${loadBefore.join(", ")} / ${loadavg()
        .map((l) => l.toFixed(2))
        .join(", ")}`,
    ],
    [
      "alarm time scale",
      `${TIME_SCALE} (60 s alarm periods judged on ${WINDOW_S} s windows; cooldowns × ${TIME_SCALE})`,
    ],
    ["load", `${CALLERS} callers paced to ${RATE} requests/s (JS SDK InvokeEndpoint)`],
    [
      "policy",
      `TargetTracking SageMakerVariantInvocationsPerInstance, TargetValue ${TARGET} per window, Min 1, Max 3`,
    ],
    ["InvocationsPerInstance published by", publishedBy],
    ...runs.map((run, index): [string, string] => [
      `run ${index + 1}`,
      `alarm ${run.alarm.toFixed(1)} s, activity ${run.activity.toFixed(1)} s, 3 InService ${run.threeInService.toFixed(1)} s (${run.achievedRate.toFixed(0)} req/s achieved; ${run.steps.join(" → ")})`,
    ]),
    [
      "load start → 3 instances InService (median)",
      `${median(runs.map((run) => run.threeInService)).toFixed(1)} s`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);

  /** One run: register 1..3, a target-tracking policy, the paced load until 3 instances are InService. */
  async function scaleOnce(endpoint: string): Promise<{ result: Run; publishedBy: string }> {
    const resourceId = `endpoint/${endpoint}/variant/AllTraffic`;
    const dimension = "sagemaker:variant:DesiredInstanceCount";
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: dimension,
        MinCapacity: 1,
        MaxCapacity: 3,
      }),
    );
    const policy = await aas.send(
      new PutScalingPolicyCommand({
        PolicyName: "Invocations-ScalingPolicy",
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: dimension,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: TARGET,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
          ScaleOutCooldown: 60,
          ScaleInCooldown: 300,
        },
      }),
    );
    const high = policy.Alarms?.find((alarm) => alarm.AlarmName?.includes("-AlarmHigh-"))
      ?.AlarmName as string;

    // Does SageMaker publish InvocationsPerInstance itself? A few calls, then ListMetrics.
    for (let i = 0; i < 5; i++) await invoke(endpoint);
    await sleep(1500);
    const listed = await cw.send(
      new ListMetricsCommand({
        Namespace: "AWS/SageMaker",
        MetricName: "InvocationsPerInstance",
        Dimensions: [{ Name: "EndpointName", Value: endpoint }],
      }),
    );
    const selfPublished = (listed.Metrics ?? []).length > 0;

    let answered = 0;
    let running = 1;
    let stopped = false;
    const perSecond = new Map<number, number>();
    const started = performance.now();
    const startedAt = Date.now();
    let sent = 0;
    const callers = Array.from({ length: CALLERS }, async () => {
      while (!stopped) {
        const index = sent++;
        const due = started + (index * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (stopped) break;
        await invoke(endpoint).catch(() => undefined);
        answered++;
        const second = Math.floor(Date.now() / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
    });
    // The stand-in for SageMaker's metric: each finished second's invocations over the instances running.
    let last = Math.floor(Date.now() / 1000) - 1;
    const publisher = setInterval(() => {
      if (selfPublished) return;
      const now = Math.floor(Date.now() / 1000);
      for (let second = last + 1; second < now; second++) {
        server.cloudwatch.publish("AWS/SageMaker", [
          {
            MetricName: "InvocationsPerInstance",
            Dimensions: [
              { Name: "EndpointName", Value: endpoint },
              { Name: "VariantName", Value: "AllTraffic" },
            ],
            Value: (perSecond.get(second) ?? 0) / Math.max(running, 1),
            Timestamp: new Date(second * 1000),
            StorageResolution: 1,
          },
        ]);
        perSecond.delete(second);
        last = second;
      }
    }, 100);

    let threeInService = Number.NaN;
    try {
      for (;;) {
        const described = await sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
        const variant = described.ProductionVariants?.[0];
        running = variant?.CurrentInstanceCount ?? running;
        if (described.EndpointStatus === "InService" && variant?.CurrentInstanceCount === 3) {
          threeInService = (performance.now() - started) / 1000;
          break;
        }
        if (performance.now() - started > DEADLINE_S * 1000)
          throw new Error(`no 3 instances after ${DEADLINE_S} s`);
        await sleep(100);
      }
    } finally {
      stopped = true;
      clearInterval(publisher);
      await Promise.all(callers);
    }
    const achievedRate = answered / ((performance.now() - started) / 1000);
    const history = await cw.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: high,
        HistoryItemType: "StateUpdate",
        ScanBy: "TimestampAscending",
      }),
    );
    const toAlarm = (history.AlarmHistoryItems ?? []).find((item) =>
      item.HistorySummary?.endsWith("to ALARM"),
    );
    // The activity is marked Successful on its next look at the endpoint (within a fraction of a second).
    let ordered: ScalingActivity[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const activities = await aas.send(
        new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: resourceId }),
      );
      ordered = [...(activities.ScalingActivities ?? [])].reverse();
      if (ordered.every((activity) => activity.StatusCode !== "InProgress")) break;
      await sleep(100);
    }
    const since = (date: Date | undefined) => ((date?.getTime() ?? Number.NaN) - startedAt) / 1000;
    return {
      result: {
        alarm: since(toAlarm?.Timestamp),
        activity: since(ordered[0]?.StartTime),
        threeInService,
        achievedRate,
        steps: ordered.map((activity) => `${activity.Description} ${activity.StatusCode}`),
      },
      publishedBy: selfPublished
        ? "local SageMaker"
        : "this benchmark, in-process (local SageMaker does not publish it yet), 1 s resolution",
    };
  }

  async function invoke(endpoint: string): Promise<void> {
    await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpoint,
        ContentType: "application/json",
        Body: JSON.stringify({ inputs: REVIEW }),
      }),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
