/**
 * Blue/green deployment benchmark (`npm run bench:deployment`), against local SageMaker in its own process (as
 * `npm run local` runs it, with its default settings):
 *   (a) a CANARY rollout of a two-instance endpoint (CanarySize 1 instance, WaitIntervalInSeconds 1,
 *       TerminationWaitInSeconds 1): seconds from UpdateEndpoint to InService, with where the time goes;
 *   (b) rollback latency: while the canary bakes, SetAlarmState puts the rollback alarm into ALARM; measured from the
 *       alarm's own transition time (StateUpdatedTimestamp) until traffic is back on blue (a loop of InvokeEndpoint
 *       until only blue answers) and until the endpoint is InService again.
 * Each is the median of BENCH_ROUNDS rounds (default 3). The models are tiny handlers that answer their colour, so an
 * answer says which fleet served it; DescribeEndpoint is polled every 5 ms.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  type DeploymentConfig,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  SageMakerClient,
  UpdateEndpointCommand,
  waitUntilEndpointDeleted,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import * as tar from "tar";
import { startServerProcess } from "./server-process";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POLL_MS = 5;
const IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-inference:2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04";
const ALARM = "bench-guard";

const colourHandler = (colour: string) => `
export function modelFn() { return ${JSON.stringify(colour)}; }
export function transformFn(model: string) {
  return { body: JSON.stringify({ colour: model }), contentType: "application/json" };
}
`;

async function archive(colour: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${colour}-`));
  try {
    const code = join(dir, "code");
    mkdirSync(code);
    writeFileSync(join(code, "inference.ts"), colourHandler(colour));
    const file = `${dir}.tar.gz`;
    await tar.c({ gzip: true, file, cwd: dir, portable: true }, ["code"]);
    const bytes = readFileSync(file);
    rmSync(file);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const fmt = (seconds: number) => `${seconds.toFixed(3)} s`;

const canary = (wait: number, termination: number, alarms: string[] = []): DeploymentConfig => ({
  BlueGreenUpdatePolicy: {
    TrafficRoutingConfiguration: {
      Type: "CANARY",
      CanarySize: { Type: "INSTANCE_COUNT", Value: 1 },
      WaitIntervalInSeconds: wait,
    },
    TerminationWaitInSeconds: termination,
  },
  ...(alarms.length
    ? { AutoRollbackConfiguration: { Alarms: alarms.map((AlarmName) => ({ AlarmName })) } }
    : {}),
});

/** What the endpoint is doing, in one word: its status, or the new fleet's while it updates. */
const phaseOf = (d: DescribeEndpointCommandOutput): string => {
  const pending = d.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0];
  if (!pending) return d.EndpointStatus ?? "?";
  const termination = pending.StatusMessage?.startsWith("All traffic") ? " (termination wait)" : "";
  return `${d.EndpointStatus} / ${pending.Status}${termination}`;
};

async function main(): Promise<void> {
  const loadBefore = loadavg()
    .map((load) => load.toFixed(2))
    .join(", ");
  const stateDir = mkdtempSync(join(tmpdir(), "bench-deployment-"));
  const server = await startServerProcess(stateDir);
  const config = { endpoint: server.url, region: "ap-northeast-2", credentials: server.credentials };
  const sm = new SageMakerClient(config);
  const runtime = new SageMakerRuntimeClient({ ...config, maxAttempts: 1 });
  const cloudwatch = new CloudWatchClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const describe = (EndpointName: string) => sm.send(new DescribeEndpointCommand({ EndpointName }));
  const invoke = async (EndpointName: string): Promise<string> => {
    const answer = await runtime.send(
      new InvokeEndpointCommand({ EndpointName, ContentType: "application/json", Body: "{}" }),
    );
    return JSON.parse(Buffer.from(answer.Body ?? []).toString()).colour as string;
  };
  const untilStatus = async (name: string, done: (d: DescribeEndpointCommandOutput) => boolean) => {
    for (;;) {
      const d = await describe(name);
      if (done(d)) return d;
      if (d.EndpointStatus === "Failed") throw new Error(`${name} failed: ${d.FailureReason}`);
      await sleep(POLL_MS);
    }
  };
  const freshEndpoint = async (name: string) => {
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: "blue" }));
    await untilStatus(name, (d) => d.EndpointStatus === "InService");
  };
  const deleteEndpoint = async (name: string) => {
    await sm.send(new DeleteEndpointCommand({ EndpointName: name }));
    await waitUntilEndpointDeleted({ client: sm, maxWaitTime: 60, minDelay: 1 }, { EndpointName: name });
  };
  try {
    await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
    for (const colour of ["blue", "green"]) {
      await s3.send(
        new PutObjectCommand({ Bucket: "bench", Key: `${colour}.tar.gz`, Body: await archive(colour) }),
      );
      await sm.send(
        new CreateModelCommand({
          ModelName: colour,
          PrimaryContainer: { Image: IMAGE, ModelDataUrl: `s3://bench/${colour}.tar.gz` },
        }),
      );
      await sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: colour,
          ProductionVariants: [
            {
              VariantName: "AllTraffic",
              ModelName: colour,
              InstanceType: "ml.m5.large",
              InitialInstanceCount: 2,
            },
          ],
        }),
      );
    }
    // A guard whose evaluations never change its state (no data, missing data ignored): only SetAlarmState does.
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: ALARM,
        Namespace: "Bench",
        MetricName: "Nothing",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "ignore",
      }),
    );

    // (a) CANARY rollout, UpdateEndpoint → InService.
    const rollouts: number[] = [];
    const phases: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const name = `canary-${round}`;
      await freshEndpoint(name);
      const started = performance.now();
      await sm.send(
        new UpdateEndpointCommand({
          EndpointName: name,
          EndpointConfigName: "green",
          DeploymentConfig: canary(1, 1),
        }),
      );
      let phase = "";
      let phaseStart = started;
      const seen: Record<string, number> = {};
      for (;;) {
        const d = await describe(name);
        const now = performance.now();
        const current = phaseOf(d);
        if (current !== phase) {
          if (phase) seen[phase] = (seen[phase] ?? 0) + (now - phaseStart) / 1000;
          phase = current;
          phaseStart = now;
        }
        if (d.EndpointStatus === "InService" && d.EndpointConfigName === "green") break;
        if (d.EndpointStatus === "Failed") throw new Error(d.FailureReason);
        await sleep(POLL_MS);
      }
      rollouts.push((performance.now() - started) / 1000);
      for (const [key, seconds] of Object.entries(seen)) phases[key] = [...(phases[key] ?? []), seconds];
      await deleteEndpoint(name);
    }

    // (b) rollback on ALARM during the bake.
    const backOnBlue: number[] = [];
    const backInService: number[] = [];
    const rollingBackSeconds: number[] = [];
    const requestMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const name = `rollback-${round}`;
      await freshEndpoint(name);
      await cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: "OK", StateReason: "bench" }),
      );
      await sm.send(
        new UpdateEndpointCommand({
          EndpointName: name,
          EndpointConfigName: "green",
          DeploymentConfig: canary(60, 1, [ALARM]),
        }),
      );
      await untilStatus(
        name,
        (d) => d.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status === "Baking",
      );
      // The canary share is on: green answers.
      while ((await invoke(name)) !== "green");
      await cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: "ALARM", StateReason: "bench: roll back" }),
      );
      const alarm = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [ALARM] }));
      const alarmAt = alarm.MetricAlarms?.[0]?.StateUpdatedTimestamp?.getTime() as number;
      let inServiceAt: number | undefined;
      let rollingBackAt: number | undefined;
      const watcher = (async () => {
        for (;;) {
          const d = await describe(name);
          if (d.EndpointStatus === "RollingBack") rollingBackAt ??= Date.now();
          if (d.EndpointStatus === "InService") {
            inServiceAt = Date.now();
            return;
          }
          await sleep(POLL_MS);
        }
      })();
      // Requests one after another; traffic is back on blue from the first request sent after the last green answer.
      const sent: { at: number; colour: string; ms: number }[] = [];
      let blueInARow = 0;
      while (inServiceAt === undefined || blueInARow < 50) {
        const at = Date.now();
        const colour = await invoke(name);
        sent.push({ at, colour, ms: Date.now() - at });
        blueInARow = colour === "blue" ? blueInARow + 1 : 0;
      }
      await watcher;
      const lastGreen = sent.map((request) => request.colour).lastIndexOf("green");
      const firstBlueOnly = sent[lastGreen + 1] as { at: number };
      backOnBlue.push((firstBlueOnly.at - alarmAt) / 1000);
      backInService.push(((inServiceAt as number) - alarmAt) / 1000);
      if (rollingBackAt !== undefined)
        rollingBackSeconds.push(((inServiceAt as number) - rollingBackAt) / 1000);
      requestMs.push(median(sent.map((request) => request.ms)));
      const after = await describe(name);
      if (after.EndpointConfigName !== "blue" || !/rolled back/.test(after.FailureReason ?? "")) {
        throw new Error(`round ${round}: not rolled back: ${JSON.stringify(after)}`);
      }
      await deleteEndpoint(name);
    }

    const cpu = cpus();
    console.log("\nBlue/green deployment benchmark (local SageMaker in its own process, default settings)");
    console.log(
      `machine: ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}`,
    );
    console.log(
      `load average before the run: ${loadBefore}; after: ${loadavg()
        .map((load) => load.toFixed(2))
        .join(", ")}`,
    );
    console.log(`rounds: ${ROUNDS}; DescribeEndpoint polled every ${POLL_MS} ms\n`);
    const rows: [string, string, string][] = [
      [
        "(a) CANARY 2 instances (canary 1, wait 1 s, termination 1 s): UpdateEndpoint → InService",
        fmt(median(rollouts)),
        rollouts.map(fmt).join(", "),
      ],
      ...Object.entries(phases).map(
        ([phase, values]) =>
          [`    of which ${phase}`, fmt(median(values)), values.map(fmt).join(", ")] as [
            string,
            string,
            string,
          ],
      ),
      [
        "(b) alarm ALARM (StateUpdatedTimestamp) → traffic only on blue",
        fmt(median(backOnBlue)),
        backOnBlue.map(fmt).join(", "),
      ],
      [
        "(b) alarm ALARM → InService on the old config",
        fmt(median(backInService)),
        backInService.map(fmt).join(", "),
      ],
      [
        "    of which RollingBack (green stopping)",
        rollingBackSeconds.length ? fmt(median(rollingBackSeconds)) : "not seen",
        rollingBackSeconds.map(fmt).join(", "),
      ],
      [
        "    InvokeEndpoint round trip during (b), median",
        `${median(requestMs).toFixed(1)} ms`,
        requestMs.map((ms) => `${ms.toFixed(1)} ms`).join(", "),
      ],
    ];
    const width = Math.max(...rows.map((row) => row[0].length));
    console.log(`${"measure".padEnd(width)} | ${"median".padStart(9)} | rounds`);
    console.log(`${"-".repeat(width)}-|-${"-".repeat(9)}-|-------`);
    for (const [name, value, runs] of rows)
      console.log(`${name.padEnd(width)} | ${value.padStart(9)} | ${runs}`);
  } finally {
    await server.stop();
    for (const client of [sm, runtime, cloudwatch, s3]) client.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
