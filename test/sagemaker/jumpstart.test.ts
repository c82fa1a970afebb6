import path from "node:path";
import { CreateEndpointConfigCommand, CreateModelCommand } from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import { checkAwsRequest } from "../../src/local/shapes";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import {
  buildJumpStartModelRequest,
  folderFetch,
  JumpStartCatalog,
  type JumpStartFetch,
  JumpStartLocalModeError,
  JumpStartModel,
  JumpStartModelNotFoundError,
  JumpStartNetworkError,
  JumpStartVersionNotFoundError,
  jumpStartContentUrl,
  pickVersion,
  textSerializer,
} from "../../src/sagemaker/jumpstart";
import { buildEndpointConfigRequest } from "../../src/sagemaker/model";
import { workshopTags } from "../../src/sagemaker/naming";
import { previewAwsRequest } from "../../src/sagemaker/request-preview";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";

const FIXTURE = path.join(__dirname, "..", "fixtures", "jumpstart");
const TC = "huggingface-tc-bert-base-multilingual-cased";
const REGION = "ap-northeast-2";
const ROLE = "arn:aws:iam::111122223333:role/SageMakerWorkshopRole";
const awsConfig: WorkshopConfig = { mode: "aws", region: REGION, roleArn: ROLE, confirmCosts: false };

/** The fixture folder served as the region's content bucket, recording every URL asked for. */
function recordingFetch(): { fetch: JumpStartFetch; urls: string[] } {
  const urls: string[] = [];
  const inner = folderFetch(FIXTURE);
  return {
    urls,
    fetch: async (url) => {
      urls.push(url);
      return inner(url);
    },
  };
}

const catalog = (fetch: JumpStartFetch = folderFetch(FIXTURE)) =>
  new JumpStartCatalog({ region: REGION, fetch });

describe("JumpStart's public metadata, resolved like the Python SDK", () => {
  it("reads the manifest and the spec from the region's content bucket over HTTPS", async () => {
    const { fetch, urls } = recordingFetch();
    const resolved = await catalog(fetch).resolve(TC, { version: "3.0.6" });
    expect(urls).toEqual([
      "https://jumpstart-cache-prod-ap-northeast-2.s3.ap-northeast-2.amazonaws.com/models_manifest.json",
      `https://jumpstart-cache-prod-ap-northeast-2.s3.ap-northeast-2.amazonaws.com/community_models_specs/${TC}/specs_v3.0.6.json`,
    ]);
    expect(jumpStartContentUrl("cn-north-1")).toBe(
      "https://jumpstart-cache-prod-cn-north-1.s3.cn-north-1.amazonaws.com.cn",
    );
    expect(resolved).toMatchObject({
      modelId: TC,
      version: "3.0.6",
      // The spec's default instance type, its family's image through the region's alias, the prepacked artifact.
      instanceType: "ml.p3.2xlarge",
      imageUri:
        "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-inference:1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04",
      modelDataUrl: `s3://jumpstart-cache-prod-ap-northeast-2/huggingface-infer/prepack/v1.0.3/infer-prepack-${TC}-gpu.tar.gz`,
      contentType: "application/x-text",
      accept: "application/json",
      supportedAcceptTypes: ["application/json;verbose", "application/json"],
      notes: ["The model classifies English sentiment (SST-2 labels) until you fine-tune it."],
    });
    expect(resolved.environment).toEqual({
      SAGEMAKER_PROGRAM: "inference.py",
      SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
      SAGEMAKER_CONTAINER_LOG_LEVEL: "20",
      SAGEMAKER_MODEL_SERVER_TIMEOUT: "3600",
      ENDPOINT_SERVER_TIMEOUT: "3600",
      MODEL_CACHE_ROOT: "/opt/ml/model",
      SAGEMAKER_ENV: "1",
      SAGEMAKER_MODEL_SERVER_WORKERS: "1",
    });
  });

  it("picks the image, artifact and environment of the instance type asked for (its own entry over its family's)", async () => {
    const js = catalog();
    const cpu = await js.resolve(TC, { version: "3.0.6", instanceType: "ml.m5.xlarge" });
    expect(cpu.imageUri).toContain("-cpu-py39-ubuntu20.04");
    expect(cpu.modelDataUrl).toBe(
      `s3://jumpstart-cache-prod-ap-northeast-2/huggingface-infer/prepack/v1.0.3/infer-prepack-${TC}.tar.gz`,
    );
    const large = await js.resolve(TC, { version: "3.0.6", instanceType: "ml.m5.large" });
    expect(large.environment.SAGEMAKER_MODEL_SERVER_WORKERS).toBe("2");
    await expect(js.resolve(TC, { version: "3.0.6", instanceType: "ml.t2.medium" })).rejects.toThrow(
      /does not support ml\.t2\.medium.*Supported: ml\.p3\.2xlarge, ml\.g4dn\.xlarge/,
    );
  });

  it('"*" and "3.*" mean the newest (of a series); the manifest is read once per catalog', async () => {
    const { fetch, urls } = recordingFetch();
    const js = catalog(fetch);
    expect((await js.resolve(TC, { instanceType: "ml.m5.xlarge" })).version).toBe("3.0.6");
    expect((await js.resolve(TC, { version: "2.*", instanceType: "ml.m5.xlarge" })).version).toBe("2.0.0");
    expect(urls.filter((url) => url.endsWith("models_manifest.json"))).toHaveLength(1);
    expect(pickVersion(["1.10.0", "1.9.2", "1.2.0"], "*")).toBe("1.10.0");
    expect(pickVersion(["1.10.0", "1.9.2", "2.0.0"], "1.*")).toBe("1.10.0");
  });

  it("an unknown id names close ids; a version that does not exist lists the ones that do", async () => {
    const js = catalog();
    const unknown = await js.resolve("huggingface-tc-bert-base-multilingual", {}).catch((e: Error) => e);
    expect(unknown).toBeInstanceOf(JumpStartModelNotFoundError);
    expect((unknown as Error).message).toMatch(
      /no model "huggingface-tc-bert-base-multilingual" in ap-northeast-2\. Did you mean: huggingface-tc-bert-base-multilingual-cased/,
    );
    const version = await js.resolve(TC, { version: "9.9.9" }).catch((e: Error) => e);
    expect(version).toBeInstanceOf(JumpStartVersionNotFoundError);
    expect((version as Error).message).toBe(
      `JumpStart model "${TC}" has no version "9.9.9". Versions that exist: 1.0.2, 2.0.0, 3.0.6 (or pass "*" for the newest).`,
    );
  });

  it("refuses what it cannot deploy honestly: a script-mode artifact, a deprecated version, a gated model without consent", async () => {
    const js = catalog();
    await expect(js.resolve(TC, { version: "1.0.2" })).rejects.toThrow(
      /separate inference script .*sourcedir\.tar\.gz.*does not repack/,
    );
    await expect(js.resolve("example-tc-deprecated", {})).rejects.toThrow(
      /deprecated: Use huggingface-tc-bert-base-cased instead/,
    );
    await expect(js.resolve("example-textgeneration-gated", {})).rejects.toThrow(
      /end-user licence agreement.*acceptEula: true/,
    );
  });

  it("an uncompressed prefix becomes ModelDataSource (S3Prefix, no compression, the EULA accepted) in the gated bucket", async () => {
    const resolved = await catalog().resolve("example-textgeneration-gated", {
      acceptEula: true,
      instanceType: "ml.g5.12xlarge",
    });
    expect(resolved.modelDataUrl).toBeUndefined();
    expect(resolved.modelDataSource).toEqual({
      S3DataSource: {
        S3Uri:
          "s3://jumpstart-private-cache-prod-ap-northeast-2/example-textgeneration/artifacts/inference-prepack/v1.0.0/",
        S3DataType: "S3Prefix",
        CompressionType: "None",
        ModelAccessConfig: { AcceptEula: true },
      },
    });
    // Scope "sagemaker" variables are the SDK's, not the container's; the exact type wins over the family.
    expect(resolved.environment).toEqual({ SM_NUM_GPUS: "4", HF_MODEL_ID: "/opt/ml/model" });
    const request = buildJumpStartModelRequest("example-textgeneration-gated", ROLE, resolved, []);
    expect(() => checkAwsRequest("sagemaker", "CreateModel", request)).not.toThrow();
  });

  it("offline or refused, it says where it tried to read and what to check", async () => {
    const offline: JumpStartFetch = async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ENOTFOUND" } });
    };
    const error = await catalog(offline)
      .resolve(TC, {})
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(JumpStartNetworkError);
    expect((error as Error).message).toMatch(
      /Could not read JumpStart's metadata at https:\/\/jumpstart-cache-prod-ap-northeast-2\.s3\.ap-northeast-2\.amazonaws\.com\/models_manifest\.json \(ENOTFOUND\).*online/,
    );
    const forbidden: JumpStartFetch = async () => ({
      ok: false,
      status: 403,
      statusText: "Forbidden",
      text: async () => "",
    });
    await expect(catalog(forbidden).resolve(TC, {})).rejects.toThrow(/\(HTTP 403 Forbidden\)/);
    expect(() => new JumpStartCatalog({ region: "xx-nowhere-1" })).toThrow(
      /not available in region "xx-nowhere-1"/,
    );
  });
});

describe("JumpStartModel", () => {
  it("is refused in local mode, saying what to do instead", () => {
    const local = { mode: "local", region: REGION } as WorkshopSession;
    expect(() => new JumpStartModel(local, { modelId: TC })).toThrow(JumpStartLocalModeError);
    expect(() => new JumpStartModel(local, { modelId: TC })).toThrow(
      /needs AWS.*HuggingFaceModel.*SM_MODE=aws/,
    );
  });

  it("builds CreateModel and CreateEndpointConfig requests that pass SageMaker's Smithy shapes", async () => {
    const session = await createSession({ config: awsConfig });
    const model = new JumpStartModel(session, {
      modelId: TC,
      modelVersion: "3.0.6",
      instanceType: "ml.m5.xlarge",
      lab: "4.9",
      fetch: folderFetch(FIXTURE),
    });
    const request = await model.createModelRequest("hf-tc-bert-multilingual-4-9");
    expect(() => checkAwsRequest("sagemaker", "CreateModel", request)).not.toThrow();
    expect(request.PrimaryContainer).toMatchObject({
      Image: expect.stringContaining("huggingface-pytorch-inference:1.13.1-transformers4.26.0-cpu"),
      ModelDataUrl: expect.stringMatching(/^s3:\/\/jumpstart-cache-prod-ap-northeast-2\/.*\.tar\.gz$/),
      Environment: expect.objectContaining({ SAGEMAKER_PROGRAM: "inference.py" }),
    });
    expect(request.Tags).toEqual([
      ...workshopTags("4.9"),
      { Key: "sagemaker-sdk:jumpstart-model-id", Value: TC },
      { Key: "sagemaker-sdk:jumpstart-model-version", Value: "3.0.6" },
    ]);
    const resolved = await model.resolve();
    const config = buildEndpointConfigRequest(
      "hf-tc-bert-multilingual-4-9",
      "hf-tc-bert-multilingual-4-9",
      { instanceType: resolved.instanceType },
      workshopTags("4.9"),
    );
    expect(() => checkAwsRequest("sagemaker", "CreateEndpointConfig", config)).not.toThrow();
    // What goes on the wire: the SDK's own serialisation, stopped before it is sent.
    const wire = await previewAwsRequest("sagemaker", REGION, new CreateModelCommand(request));
    expect(wire).toMatchObject({
      method: "POST",
      url: "https://api.sagemaker.ap-northeast-2.amazonaws.com/",
      headers: { "x-amz-target": "SageMaker.CreateModel", "content-type": "application/x-amz-json-1.1" },
    });
    expect(JSON.parse(wire.body)).toEqual(JSON.parse(JSON.stringify(request)));
    const wireConfig = await previewAwsRequest("sagemaker", REGION, new CreateEndpointConfigCommand(config));
    expect(wireConfig.headers["x-amz-target"]).toBe("SageMaker.CreateEndpointConfig");
    expect(wireConfig.headers.authorization).not.toMatch(/AKIA/);
  });

  it("deploys with the spec's defaults only after the user opts in to costs", async () => {
    const session = await createSession({ config: awsConfig });
    const model = new JumpStartModel(session, { modelId: TC, fetch: folderFetch(FIXTURE) });
    await expect(model.deploy()).rejects.toThrow(
      /1 × ml\.p3\.2xlarge, billed until deleted.*SM_CONFIRM_COSTS=1/,
    );
    expect(new TextDecoder().decode(textSerializer.serialize("정말 재밌어요"))).toBe("정말 재밌어요");
  });
});
