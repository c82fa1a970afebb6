import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { CreateTrainingJobRequest } from "@aws-sdk/client-sagemaker";
import * as tar from "tar";

/** A training job the way the SageMaker Python SDK sends one: a script in sourcedir.tar.gz and one channel. */

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const TRAINING_IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04";

/** A gzipped tar of the given files (path → text), as the SDKs pack sourcedir.tar.gz. */
export async function sourceArchive(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "sourcedir-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of tar.c({ gzip: true, cwd: dir }, Object.keys(files)) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Uploads `script` as train.js (and a one-file train channel) to `bucket`; the request that runs it. */
export async function scriptTrainingJob(
  s3: S3Client,
  bucket: string,
  name: string,
  script: string,
  environment: Record<string, string> = {},
): Promise<CreateTrainingJobRequest> {
  const key = `${name}/source/sourcedir.tar.gz`;
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: await sourceArchive({ "train.js": script }) }),
  );
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "data/train/a.txt", Body: "x" }));
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: TRAINING_IMAGE, TrainingInputMode: "File" },
    HyperParameters: {
      sagemaker_program: '"train.js"',
      sagemaker_submit_directory: `"s3://${bucket}/${key}"`,
    },
    InputDataConfig: [
      {
        ChannelName: "train",
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: `s3://${bucket}/data/train`,
            S3DataDistributionType: "FullyReplicated",
          },
        },
      },
    ],
    OutputDataConfig: { S3OutputPath: `s3://${bucket}/output` },
    ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ...(Object.keys(environment).length > 0 ? { Environment: environment } : {}),
  };
}
