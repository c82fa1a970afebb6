import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { datasetRows, nsmcDataset, prepareSplits } from "../../src/data";
import { buildSentimentPipeline, pipelineScriptsDir } from "../../src/labs/ml-pipeline";
import { readInput } from "../../src/local/protocol/model";
import { MODELS } from "../../src/local/protocol/models";
import { parseDefinition } from "../../src/local/services/sagemaker/pipelines/definition";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import { createSession } from "../../src/sagemaker/session";
import { withPlaceholders } from "../support/pipeline-placeholders";

/**
 * Lab 5.3's pipeline as AWS gets it, built offline (`definition({ upload: false })` names the code's S3 URIs and sends
 * nothing): the scikit-learn image runs preprocess.py, the HF training DLC trains with train.py and evaluates with
 * evaluate.py, and every step's Arguments are a valid request. The Python twin of the preprocessing script runs here
 * (it needs only the standard library) and must split the reviews as the TypeScript one does.
 */

const BUCKET = "sagemaker-ap-northeast-2-111122223333";
const config: WorkshopConfig = {
  mode: "aws",
  region: "ap-northeast-2",
  roleArn: "arn:aws:iam::111122223333:role/SageMakerWorkshopRole",
  bucket: BUCKET,
  confirmCosts: false,
};
const hasPython = spawnSync("python3", ["--version"]).status === 0;

// biome-ignore lint/suspicious/noExplicitAny: the definition's JSON is read freely in the assertions below
type Step = { Name: string; Type: string; Arguments: Record<string, any>; CacheConfig?: unknown };

describe("lab 5.3's pipeline in AWS mode", () => {
  it("runs preprocess.py on the scikit-learn image, train.py and evaluate.py on the HF DLC, all as valid requests", async () => {
    const session = await createSession({ config });
    const { pipeline } = buildSentimentPipeline(session, {
      quick: false,
      inputData: `s3://${BUCKET}/nsmc-pipeline/raw/nsmc-full`,
      functionArn: "arn:aws:lambda:ap-northeast-2:111122223333:function:ko-sagemaker-5-3-deploy",
    });
    const definition = await pipeline.definition({ upload: false });
    const graph = parseDefinition(definition);
    expect(graph.steps.map((step) => `${step.name}:${step.type}`)).toEqual([
      "PrepareData:Processing",
      "TrainSentiment:Training",
      "EvaluateModel:Processing",
      "CheckAccuracy:Condition",
      "RegisterModel:RegisterModel",
      "DeployModel:Lambda",
      "AccuracyTooLow:Fail",
    ]);
    expect(graph.steps.filter((step) => step.cache).map((step) => step.name)).toEqual([
      "PrepareData",
      "TrainSentiment",
      "EvaluateModel",
    ]);
    const steps = JSON.parse(definition).Steps as Step[];
    const [prepare, train, evaluate, check] = steps as [Step, Step, Step, Step];
    const register = check.Arguments.IfSteps[0] as Step;
    expect(prepare.Arguments.AppSpecification.ImageUri).toBe(
      "366743142698.dkr.ecr.ap-northeast-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    );
    expect(prepare.Arguments.AppSpecification.ContainerEntrypoint).toEqual([
      "python3",
      "/opt/ml/processing/input/code/preprocess.py",
    ]);
    const code = prepare.Arguments.ProcessingInputs.find(
      (input: { InputName: string }) => input.InputName === "code",
    );
    expect(code.S3Input.S3Uri).toMatch(
      new RegExp(`^s3://${BUCKET}/nsmc-sentiment-pipeline/code/[0-9a-f]{16}/preprocess\\.py$`),
    );
    expect(train.Arguments.AlgorithmSpecification.TrainingImage).toMatch(
      /huggingface-pytorch-training:.*-gpu-/,
    );
    expect(train.Arguments.ResourceConfig.InstanceType).toBe("ml.g5.xlarge");
    expect(train.Arguments.HyperParameters.sagemaker_program).toBe('"train.py"');
    expect(train.Arguments.HyperParameters.sagemaker_submit_directory).toMatch(
      /nsmc-sentiment-pipeline\/code\/[0-9a-f]{16}\/sourcedir\.tar\.gz"$/,
    );
    expect(evaluate.Arguments.AppSpecification).toMatchObject({
      ImageUri: expect.stringMatching(/huggingface-pytorch-training/),
      ContainerEntrypoint: ["python3", "/opt/ml/processing/input/code/evaluate.py"],
    });
    expect(evaluate.Arguments.ProcessingResources.ClusterConfig.InstanceType).toBe("ml.g4dn.xlarge");
    expect(register.Arguments.InferenceSpecification.Containers[0].Image).toMatch(
      /huggingface-pytorch-inference:.*-cpu-/,
    );
    for (const [operation, step, name] of [
      ["CreateProcessingJob", prepare, { ProcessingJobName: "pipelines-x-PrepareData-y" }],
      ["CreateTrainingJob", train, { TrainingJobName: "pipelines-x-TrainSentiment-y" }],
      ["CreateProcessingJob", evaluate, { ProcessingJobName: "pipelines-x-EvaluateModel-y" }],
      ["CreateModelPackage", register, {}],
    ] as const) {
      const request = { ...(withPlaceholders(step.Arguments) as Record<string, unknown>), ...name };
      expect(() =>
        readInput(MODELS.sagemaker, operation, request, { validationCode: "ValidationException" }),
      ).not.toThrow();
    }
  });
});

describe.skipIf(!hasPython)("preprocess.py, the AWS twin of preprocess.ts", () => {
  it("cleans and splits NSMC's raw files into the same numbers of rows as the workshop's own code", () => {
    const dir = mkdtempSync(join(tmpdir(), "preprocess-py-"));
    const input = join(dir, "input");
    mkdirSync(input);
    const rows = (prefix: string, count: number) => [
      "id\tdocument\tlabel",
      ...Array.from(
        { length: count },
        (_, i) => `${prefix}${i}\t리뷰  ${i % 37} 번째\t${i % 3 === 0 ? 0 : 1}`,
      ),
      `${prefix}x\t   \t1`,
      `${prefix}y\t\u1112\u1161\u11ab 번 더\t0`,
      `${prefix}z\t한 번 더\t0`,
    ];
    writeFileSync(join(input, "ratings_train.txt"), `${rows("t", 200).join("\n")}\n`);
    writeFileSync(join(input, "ratings_test.txt"), `${rows("s", 50).join("\n")}\n`);
    const out = (name: string) => join(dir, name);
    const run = spawnSync(
      "python3",
      [
        "-B",
        join(pipelineScriptsDir(), "preprocess.py"),
        "--input",
        input,
        "--train",
        out("train"),
        "--validation",
        out("validation"),
        "--test",
        out("test"),
      ],
      { encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    const lines = (file: string) => readFileSync(file, "utf8").trim().split("\n");
    const expected = prepareSplits(
      datasetRows(nsmcDataset(join(input, "ratings_train.txt"))),
      datasetRows(nsmcDataset(join(input, "ratings_test.txt"))),
      { quick: false },
    );
    expect(lines(join(out("train"), "train.tsv"))[0]).toBe("text\tlabel");
    expect(lines(join(out("train"), "train.tsv")).length - 1).toBe(expected.train.length);
    expect(lines(join(out("validation"), "validation.tsv")).length - 1).toBe(expected.validation.length);
    expect(lines(join(out("test"), "test.tsv")).length - 1).toBe(expected.test.length);
    // NFC: the decomposed "한" and the composed one are the same review, kept once in training.
    expect(
      lines(join(out("train"), "train.tsv")).filter((line) => line.startsWith("한 번 더")).length +
        lines(join(out("validation"), "validation.tsv")).filter((line) => line.startsWith("한 번 더")).length,
    ).toBe(1);
  });

  it("evaluate.py compiles (it needs transformers, which only the DLC has)", () => {
    const check = spawnSync(
      "python3",
      [
        "-B",
        "-c",
        "import ast, sys; ast.parse(open(sys.argv[1], encoding='utf-8').read())",
        join(pipelineScriptsDir(), "evaluate.py"),
      ],
      { encoding: "utf8" },
    );
    expect(check.status, check.stderr).toBe(0);
  });
});
