import { performance } from "node:perf_hooks";
import type { TrainingResult } from "../sagemaker/estimator";
import { localSageMakerHealth } from "../sagemaker/local-launcher";
import type { LogLine } from "../sagemaker/logs";
import { EndpointInvocationError, type Predictor } from "../sagemaker/predictor";
import type { WorkshopSession } from "../sagemaker/session";
import { findLatestTrainingJob, SENTIMENT_JOB_BASE, trainSentimentModel } from "./sentiment";

/** What the serving labs share: the model they deploy, and the measurements their charts are drawn from. */

/** Lab 3.3's newest model artifact, or (when 3.3 was not run) a quick training job made now for `lab`. */
export async function sentimentModelForServing(
  session: WorkshopSession,
  lab: string,
): Promise<TrainingResult> {
  const found = await findLatestTrainingJob(session, SENTIMENT_JOB_BASE);
  if (found) {
    console.log(`3.3의 훈련 작업을 씁니다: ${found.jobName}`);
    return found;
  }
  console.log("3.3에서 학습한 모델이 없습니다 (no completed 3.3 job). 지금 빠르게 학습합니다...");
  return trainSentimentModel(session, { quick: true, lab });
}

export interface BurstOutcome {
  request: number;
  /** "ok", or the AWS error code the runtime answered after the SDK's retries. */
  outcome: string;
  /** Times the SDK sent it (its retries of ThrottlingException included). */
  attempts: number;
  latencyMs: number;
}

/** Sends every payload at once (as many requests in flight as payloads) and records how each one ended. */
export async function sendBurst(predictor: Predictor, payloads: readonly unknown[]): Promise<BurstOutcome[]> {
  return Promise.all(
    payloads.map(async (payload, request) => {
      const started = performance.now();
      try {
        const answer = await predictor.predict(payload);
        return { request, outcome: "ok", attempts: answer.attempts, latencyMs: answer.latencyMs };
      } catch (error) {
        if (!(error instanceof EndpointInvocationError)) throw error;
        return {
          request,
          outcome: error.code,
          attempts: error.attempts ?? 1,
          latencyMs: performance.now() - started,
        };
      }
    }),
  );
}

/** How many requests ended each way after how many attempts, for a table. */
export function countOutcomes(
  rows: readonly BurstOutcome[],
): { outcome: string; attempts: number; requests: number }[] {
  const counts = new Map<string, { outcome: string; attempts: number; requests: number }>();
  for (const row of rows) {
    const key = `${row.outcome}/${row.attempts}`;
    const entry = counts.get(key) ?? { outcome: row.outcome, attempts: row.attempts, requests: 0 };
    entry.requests++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => a.outcome.localeCompare(b.outcome) || a.attempts - b.attempts);
}

/**
 * How long local SageMaker keeps an idle serverless container (LOCAL_SAGEMAKER_SERVERLESS_IDLE_SECONDS);
 * undefined on AWS, which does not say.
 */
export async function serverlessIdleSeconds(session: WorkshopSession): Promise<number | undefined> {
  if (session.mode !== "local" || !session.localUrl) return undefined;
  return (await localSageMakerHealth(session.localUrl))?.serverlessIdleSeconds;
}

export interface LogStreamSummary {
  stream: string;
  lines: number;
  /** The stream's last lines, oldest first. */
  last: string[];
}

/** An endpoint's log lines per stream (one per container of each instance): how many, and the last few. */
export function summariseLogStreams(lines: readonly LogLine[], last = 2): LogStreamSummary[] {
  const byStream = new Map<string, string[]>();
  for (const line of lines) {
    const messages = byStream.get(line.stream) ?? [];
    messages.push(line.message);
    byStream.set(line.stream, messages);
  }
  return [...byStream]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([stream, messages]) => ({ stream, lines: messages.length, last: messages.slice(-last) }));
}
