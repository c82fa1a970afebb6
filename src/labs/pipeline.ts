import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { workshopRoot } from "../data";
import { assertCostConsent } from "../sagemaker/cost";
import { s3Uri, uploadFile } from "../sagemaker/s3";
import type { WorkshopSession } from "../sagemaker/session";

/**
 * Lab 4.7's pre- and post-processing containers: each is a model archive with no model, only `code/` (the handler
 * twins `inference.ts` for local SageMaker and `inference.py` for the Hugging Face inference DLC, and the rules
 * they share, `review-pipeline.ts`). The sentiment model between them is its own archive, as trained.
 */

export type PipelineStep = "preprocess" | "postprocess";

export const PIPELINE_STEPS: readonly PipelineStep[] = ["preprocess", "postprocess"];

/** `labs/4_Serving/pipeline/<step>`: the handler sources of one step. */
export const pipelineStepDir = (step: PipelineStep): string =>
  join(workshopRoot(), "labs", "4_Serving", "pipeline", step);

/** The pure functions both TypeScript handlers import (`./review-pipeline`), copied into each archive's code/. */
export const reviewPipelineSource = (): string => join(workshopRoot(), "src", "labs", "review-pipeline.ts");

/** Lays out a step's archive folder: `code/` with the step's handler files and `review-pipeline.ts`. */
export async function stagePipelineStep(step: PipelineStep, dir: string): Promise<string[]> {
  const source = pipelineStepDir(step);
  if (!(await stat(source).catch(() => undefined))?.isDirectory()) {
    throw new Error(`The handler folder of the ${step} step, ${source}, does not exist.`);
  }
  const code = join(dir, "code");
  await mkdir(code, { recursive: true });
  const files: string[] = [];
  for (const name of (await readdir(source)).sort()) {
    if (name.startsWith(".") || name === "__pycache__") continue;
    await copyFile(join(source, name), join(code, name));
    files.push(`code/${name}`);
  }
  await copyFile(reviewPipelineSource(), join(code, "review-pipeline.ts"));
  files.push("code/review-pipeline.ts");
  return files.sort();
}

/** A step's model.tar.gz at `file` (code/ inside, nothing else); returns the entries it holds. */
export async function packPipelineStep(step: PipelineStep, file: string): Promise<string[]> {
  const work = await mkdtemp(join(tmpdir(), `ko-sagemaker-${step}-`));
  try {
    const files = await stagePipelineStep(step, work);
    await tar.c({ gzip: true, file, cwd: work, portable: true }, files);
    return files;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Packs a step and uploads it to `s3://<bucket>/inference-pipeline/<step>/model.tar.gz`; returns that URI. */
export async function uploadPipelineStep(session: WorkshopSession, step: PipelineStep): Promise<string> {
  assertCostConsent(session.config, `the ${step} archive upload to S3`);
  const work = await mkdtemp(join(tmpdir(), `ko-sagemaker-${step}-archive-`));
  try {
    const archive = join(work, "model.tar.gz");
    await packPipelineStep(step, archive);
    const target = s3Uri(await session.defaultBucket(), "inference-pipeline", step, "model.tar.gz");
    return await uploadFile(session.s3, archive, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
