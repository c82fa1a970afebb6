import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaHandlerDir } from "../../src/labs";
import { readInput } from "../../src/local/protocol/model";
import { MODELS } from "../../src/local/protocol/models";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { cleanupWorkshopResources } from "../../src/sagemaker/cleanup";
import { loadWorkshopConfig, WorkshopConfigError } from "../../src/sagemaker/config";
import { CostConsentError } from "../../src/sagemaker/cost";
import {
  buildCreateFunctionRequest,
  buildInvokeRequest,
  deleteLambda,
  LambdaFunctionError,
  LambdaModel,
  lambdaTags,
  packLambdaZip,
  parseReportLine,
} from "../../src/sagemaker/lambda";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import { saveTinySentimentModel } from "../support/tiny-sentiment";

/** What Lambda's front end checks a request against: its Smithy input shape (restJson member names). */
const validateLambdaInput = (operation: string, input: unknown) =>
  readInput(MODELS.lambda, operation, input, { validationCode: "ValidationException", jsonNames: true });

const LAMBDA_ROLE = "arn:aws:iam::111122223333:role/LambdaWorkshopRole";

describe("Lambda requests, built offline", () => {
  it("CreateFunction and Invoke requests fit Lambda's shapes, with the workshop's tags", () => {
    const create = buildCreateFunctionRequest(
      "ko-sagemaker-4-4-2026-12-01-10-00-00-000",
      LAMBDA_ROLE,
      { zip: Buffer.from("PK"), environment: { MODEL_DIR: "model" }, description: "lab 4.4" },
      { timeout: 30, memorySize: 1024 },
      lambdaTags("4.4"),
    );
    expect(() => validateLambdaInput("CreateFunction", create)).not.toThrow();
    expect(create).toMatchObject({
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      PackageType: "Zip",
      Timeout: 30,
      MemorySize: 1024,
      Tags: { "ko-sagemaker:workshop": "true", "ko-sagemaker:lab": "4.4" },
    });
    const invoke = buildInvokeRequest("fn", { body: JSON.stringify({ inputs: "좋아요" }) }, true);
    expect(() => validateLambdaInput("Invoke", invoke)).not.toThrow();
    expect(invoke.LogType).toBe("Tail");
    expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString())).toEqual({
      body: '{"inputs":"좋아요"}',
    });
  });

  it("reads the Lambda role from SM_LAMBDA_ROLE_ARN, refuses a malformed one, and deploys only with consent", async () => {
    const base = { SM_MODE: "aws", SM_CONFIG_FILE: "", SM_ROLE_ARN: "" };
    expect(loadWorkshopConfig({ ...base, SM_LAMBDA_ROLE_ARN: LAMBDA_ROLE }).lambdaRoleArn).toBe(LAMBDA_ROLE);
    expect(() => loadWorkshopConfig({ ...base, SM_LAMBDA_ROLE_ARN: "role/nope" })).toThrow(
      /Lambda execution role/,
    );
    const noConsent = await createSession({
      config: { mode: "aws", region: "ap-northeast-2", lambdaRoleArn: LAMBDA_ROLE, confirmCosts: false },
    });
    await expect(new LambdaModel(noConsent, { zip: Buffer.from("PK") }).deploy()).rejects.toThrow(
      CostConsentError,
    );
    const noRole = await createSession({
      config: { mode: "aws", region: "ap-northeast-2", confirmCosts: true },
    });
    await expect(new LambdaModel(noRole, { zip: Buffer.from("PK") }).deploy()).rejects.toThrow(
      WorkshopConfigError,
    );
  });

  it("parses Lambda's REPORT line", () => {
    const log =
      "START RequestId: abc Version: $LATEST\nEND RequestId: abc\n" +
      "REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 160 ms\tMemory Size: 1024 MB\tMax Memory Used: 88 MB\tInit Duration: 147.02 ms\n";
    expect(parseReportLine(log)).toEqual({
      requestId: "abc",
      durationMs: 12.34,
      billedDurationMs: 160,
      memorySizeMB: 1024,
      maxMemoryUsedMB: 88,
      initDurationMs: 147.02,
    });
    expect(parseReportLine("no report")).toBeUndefined();
  });
});

describe("packLambdaZip", () => {
  it("packs the handler, the model under model/ and the classifier's modules, the same bytes each time", () => {
    const modelDir = saveTinySentimentModel();
    try {
      const zip = packLambdaZip(lambdaHandlerDir(), modelDir);
      const names = Object.keys(unzipSync(zip)).sort();
      expect(names).toContain("index.js");
      expect(names).toContain("model/config.json");
      expect(names).toContain("model/weights.bin");
      for (const module of ["artifact", "classifier", "features", "half", "linear", "text", "random"]) {
        expect(names).toContain(`classifier/${module}.js`);
      }
      expect(packLambdaZip(lambdaHandlerDir(), modelDir).equals(zip)).toBe(true);
      expect(() => packLambdaZip(join(modelDir, "nope"))).toThrow(/does not exist/);
      expect(() => packLambdaZip(lambdaHandlerDir(), lambdaHandlerDir())).toThrow(/holds no model/);
    } finally {
      rmSync(modelDir, { recursive: true, force: true });
    }
  });
});

describe("LambdaModel on local Lambda", () => {
  let server: LocalServer;
  let stateDir: string;
  let session: WorkshopSession;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "lambda-toolkit-"));
    server = await startLocalServer({ port: 0, stateDir });
    session = await createSession({
      config: { mode: "local", region: "ap-northeast-2", confirmCosts: true },
      localUrl: server.url,
      localStateDir: stateDir,
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("deploys the lab's handler with a model, predicts, reports the cold start, surfaces errors, and cleans up", async () => {
    const modelDir = saveTinySentimentModel();
    const zip = packLambdaZip(lambdaHandlerDir(), modelDir);
    rmSync(modelDir, { recursive: true, force: true });
    const predictor = await new LambdaModel(session, { zip, lab: "4.4" }).deploy({
      memorySize: 512,
      timeout: 10,
    });
    const cold = await predictor.predict(
      { body: JSON.stringify({ inputs: "정말 재미있어요" }) },
      { tail: true },
    );
    const answer = cold.result as { statusCode: number; headers: Record<string, string>; body: string };
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ label: "positive" });
    expect(cold.report?.initDurationMs).toBeGreaterThan(0);
    expect(cold.report?.memorySizeMB).toBe(512);
    const warm = await predictor.predict({ inputs: ["최악의 영화", "또 보고 싶어요"] }, { tail: true });
    const labels = JSON.parse((warm.result as { body: string }).body).map((p: { label: string }) => p.label);
    expect(labels).toEqual(["negative", "positive"]);
    expect(warm.report?.initDurationMs).toBeUndefined();
    expect(warm.latencyMs).toBeGreaterThan(0);
    const bad = await predictor.predict({ body: "not json" });
    expect((bad.result as { statusCode: number }).statusCode).toBe(400);
    const error = await predictor
      .predict({ inputs: "x", fail: "on purpose" }, { tail: true })
      .catch((e) => e);
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect(error.errorType).toBe("Error");
    expect(error.report?.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const tagged = await session.lambda.send(
      new GetFunctionCommand({ FunctionName: predictor.functionName }),
    );
    expect(tagged.Tags).toEqual({ "ko-sagemaker:workshop": "true", "ko-sagemaker:lab": "4.4" });
    const cleaned = await cleanupWorkshopResources(session, { lab: "4.4", verbose: false });
    expect(cleaned.lambdaFunctions).toEqual([predictor.functionName]);
    expect(await deleteLambda(session, predictor.functionName)).toBe(false);
  });

  it("refuses a handler folder that is a file", () => {
    const file = join(stateDir, "file.txt");
    writeFileSync(file, "x");
    expect(() => packLambdaZip(file)).toThrow(/does not exist/);
  });
});
