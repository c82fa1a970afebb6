/**
 * Pipeline benchmark (`npm run bench:pipeline`): lab 5.3's pipeline on local SageMaker, the server in its own process
 * as `npm run local` runs it. On quick data (the lab's quick pass: 6,000/2,000 NSMC reviews with NSMC_DIR, else the
 * sample reviews) it times the first run (target ≤ 30 s) and a fully cached re-run (target ≤ 3 s); with NSMC_DIR it
 * also runs the pipeline on the full corpus (150,000 / 50,000 reviews) and reports each step's share of the first run.
 *
 * Env: NSMC_DIR (for NSMC; without it the sample reviews stand in and the full run is skipped), BENCH_FULL=0 (skip
 *      the full run), BENCH_EPOCHS (default 1 quick, 3 full).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { PipelineExecutionStep } from "@aws-sdk/client-sagemaker";
import { DescribeModelPackageCommand } from "@aws-sdk/client-sagemaker";
import {
  buildSentimentPipeline,
  createDeployFunction,
  DEPLOY_FUNCTION,
  PIPELINE_ENDPOINT,
  SENTIMENT_PACKAGE_GROUP,
  uploadRawReviews,
} from "../../src/labs/ml-pipeline";
import { cleanupWorkshopResources } from "../../src/sagemaker/cleanup";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import { deleteLambda } from "../../src/sagemaker/lambda";
import { waitForEndpoint } from "../../src/sagemaker/model";
import { deleteModelPackageGroup, listModelPackageVersions } from "../../src/sagemaker/registry";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import { startServerProcess } from "./server-process";

const FULL = process.env.BENCH_FULL !== "0" && Boolean(process.env.NSMC_DIR);
const quiet = { onStep: () => undefined };

interface RunFigures {
  label: string;
  seconds: number;
  steps: { name: string; seconds: number; cached: boolean }[];
}

function stepFigures(steps: readonly PipelineExecutionStep[]): RunFigures["steps"] {
  return steps.map((step) => ({
    name: step.StepName ?? "",
    seconds: step.StartTime && step.EndTime ? (step.EndTime.getTime() - step.StartTime.getTime()) / 1000 : 0,
    cached: step.CacheHitResult !== undefined,
  }));
}

async function runPipeline(
  session: WorkshopSession,
  functionArn: string,
  quick: boolean,
): Promise<{ first: RunFigures; cached: RunFigures; source: string; rows: string; accuracy: string }> {
  const raw = await uploadRawReviews(session, { quick });
  const epochs = Number(process.env.BENCH_EPOCHS ?? (quick ? 1 : 3));
  const { pipeline } = buildSentimentPipeline(session, {
    quick,
    inputData: raw.uri,
    functionArn,
    epochs,
    threshold: 0.5,
  });
  await pipeline.upsert();
  const timed = async (label: string): Promise<RunFigures> => {
    const started = performance.now();
    const execution = await pipeline.start();
    await execution.wait(quiet);
    const seconds = (performance.now() - started) / 1000;
    return { label, seconds, steps: stepFigures(await execution.listSteps()) };
  };
  const first = await timed("first run");
  // The deploy step of the re-run updates the endpoint, which must be InService first (the lab waits too).
  await waitForEndpoint(session, PIPELINE_ENDPOINT, { onStatus: () => undefined });
  const cached = await timed("cached re-run");
  await waitForEndpoint(session, PIPELINE_ENDPOINT, { onStatus: () => undefined });
  await pipeline.delete();
  const latest = (await listModelPackageVersions(session, SENTIMENT_PACKAGE_GROUP))[0];
  const described = latest
    ? await session.sagemaker.send(
        new DescribeModelPackageCommand({ ModelPackageName: latest.ModelPackageArn }),
      )
    : undefined;
  const accuracy = described?.CustomerMetadataProperties?.accuracy ?? "?";
  return {
    first,
    cached,
    source: raw.source,
    rows: `${raw.trainRows} train / ${raw.testRows} test`,
    accuracy,
  };
}

function report(title: string, figures: RunFigures[], target?: Record<string, number>): void {
  console.log(`\n${title}`);
  for (const run of figures) {
    const goal = target?.[run.label];
    console.log(
      `  ${run.label.padEnd(14)} ${run.seconds.toFixed(2).padStart(7)} s${goal === undefined ? "" : `   (target ≤ ${goal} s: ${run.seconds <= goal ? "met" : "missed"})`}`,
    );
  }
  const first = figures[0];
  if (!first) return;
  const total = first.steps.reduce((sum, step) => sum + step.seconds, 0);
  console.log(`  steps of the ${first.label} (share of the time spent in steps, ${total.toFixed(2)} s):`);
  for (const step of first.steps) {
    const share = total > 0 ? (100 * step.seconds) / total : 0;
    console.log(
      `    ${step.name.padEnd(16)} ${step.seconds.toFixed(2).padStart(7)} s  ${share.toFixed(1).padStart(5)} %`,
    );
  }
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), "bench-pipeline-"));
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}`,
  );
  const server = await startServerProcess(stateDir);
  try {
    const config: WorkshopConfig = { mode: "local", region: "ap-northeast-2", confirmCosts: false };
    const session = await createSession({ config, localUrl: server.url, localStateDir: stateDir });
    const { functionArn } = await createDeployFunction(session);

    const quick = await runPipeline(session, functionArn, true);
    report(
      `quick data (${quick.source}, ${quick.rows}; test accuracy ${quick.accuracy})`,
      [quick.first, quick.cached],
      {
        "first run": 30,
        "cached re-run": 3,
      },
    );
    if (FULL) {
      const full = await runPipeline(session, functionArn, false);
      report(`full NSMC (${full.rows}; test accuracy ${full.accuracy})`, [full.first, full.cached]);
    } else {
      console.log(
        "\nfull NSMC run skipped (set NSMC_DIR to a folder with ratings_train.txt and ratings_test.txt)",
      );
    }
    await cleanupWorkshopResources(session, { lab: "5.3", verbose: false });
    await deleteLambda(session, DEPLOY_FUNCTION);
    await deleteModelPackageGroup(session, SENTIMENT_PACKAGE_GROUP);
    console.log(
      `\nload average after: ${loadavg()
        .map((load) => load.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await server.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
