import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import * as tar from "tar";
import { ensurePreparedData, workshopRoot } from "../data";
import { readLabelledTexts } from "../model/data-files";
import { trainClassifier } from "../model/train";
import type { WorkshopConfig } from "../sagemaker/config";
import { downloadFile } from "../sagemaker/s3";
import type { WorkshopSession } from "../sagemaker/session";
import { findLatestTrainingJob, SENTIMENT_JOB_BASE, trainSentimentModel } from "./sentiment";

/**
 * Lab 4.4's plan: which sentiment model goes into the Lambda zip, and the handler that serves it. The function runs
 * Node, so the model is the workshop's own classifier in both modes: locally lab 3.3's artifact (that job trains
 * it), on AWS one trained here in seconds, because 3.3's AWS artifact is KoELECTRA for PyTorch.
 */

/** The handler folder lab 4.4 packs (`index.js`: API Gateway events or `{"inputs": ...}`). */
export const lambdaHandlerDir = (): string => join(workshopRoot(), "labs", "4_Serving", "lambda");

export interface LambdaModelSource {
  modelDir: string;
  /** Where it came from, for the notebook to say. */
  source: string;
}

/** The model folder to pack: lab 3.3's (local mode), else trained now (quick, or on AWS, in-process). */
export async function sentimentModelForLambda(
  session: WorkshopSession,
  options: { quick: boolean; lab: string },
): Promise<LambdaModelSource> {
  const work = join(workshopRoot(), ".work", "lambda");
  if (session.mode === "aws") {
    const prepared = ensurePreparedData({ quick: options.quick }).prepared;
    const modelDir = join(work, "model-aws");
    const trained = trainClassifier(readLabelledTexts(prepared.paths.train), {
      validation: readLabelledTexts(prepared.paths.validation),
      epochs: options.quick ? 1 : 3,
      labelNames: { "0": "negative", "1": "positive" },
    });
    trained.save(modelDir);
    return {
      modelDir,
      source: "이 노트북에서 학습한 워크숍 분류기 (trained here: 3.3's AWS artifact is KoELECTRA)",
    };
  }
  let job = await findLatestTrainingJob(session, SENTIMENT_JOB_BASE);
  let source = `3.3의 훈련 작업 ${job?.jobName}`;
  if (!job) {
    job = await trainSentimentModel(session, { quick: true, lab: options.lab });
    source = `지금 학습한 작업 ${job.jobName} (3.3 was not run)`;
  }
  const modelDir = join(work, job.jobName);
  await rm(modelDir, { recursive: true, force: true });
  await mkdir(modelDir, { recursive: true });
  const archive = await downloadFile(
    session.s3,
    job.modelArtifact as string,
    join(work, `${job.jobName}.tar.gz`),
  );
  // node-tar refuses absolute paths and `..` entries by default.
  await tar.x({ file: archive, cwd: modelDir });
  await rm(archive, { force: true });
  return { modelDir, source };
}

/** Lambda's list prices (x86, us-east-1): per GB-second of run time and per million requests. */
const PRICE_PER_GB_SECOND = 0.0000166667;
const PRICE_PER_MILLION_REQUESTS = 0.2;

/** What lab 4.4 prints before it creates the function. */
export function lambdaCostNotice(config: WorkshopConfig, memoryMB: number, invocations: number): string {
  if (config.mode === "local") {
    return "로컬 모드: Lambda 함수는 이 컴퓨터의 프로세스로 실행되며 비용이 들지 않습니다. (local mode: free)";
  }
  const estimate =
    invocations * ((memoryMB / 1024) * 0.05 * PRICE_PER_GB_SECOND + PRICE_PER_MILLION_REQUESTS / 1e6);
  return [
    `AWS 모드 비용 안내 (${config.region}, approximate list prices):`,
    `- Lambda: $${PRICE_PER_GB_SECOND} per GB-second and $${PRICE_PER_MILLION_REQUESTS} per million requests; ` +
      `${invocations} calls of ~50 ms at ${memoryMB} MB cost about $${estimate.toFixed(6)} (the free tier covers it).`,
    "- Nothing is billed while the function is idle; the CloudWatch log group is kept after deletion.",
    config.confirmCosts
      ? "SM_CONFIRM_COSTS is set: the next cells will create the function."
      : 'Nothing will be created until you opt in: set SM_CONFIRM_COSTS=1 (or "confirmCosts": true in the config file) and re-run.',
  ].join("\n");
}
