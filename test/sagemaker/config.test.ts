import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { latencySummary, metricSeries, SENTIMENT_METRICS } from "../../src/labs";
import { loadWorkshopConfig, localRoleArn, requireRoleArn } from "../../src/sagemaker/config";
import { costNotice } from "../../src/sagemaker/cost";
import { uniqueName } from "../../src/sagemaker/naming";
import { createBucketRequest, defaultBucketName } from "../../src/sagemaker/session";

const noFile = { SM_CONFIG_FILE: "" } as NodeJS.ProcessEnv;
const withFile = (content: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), "ko-sm-config-")), "config.json");
  writeFileSync(file, content);
  return file;
};

describe("workshop config", () => {
  it("is local by default with no cost gate; the local role lives in the server's account", () => {
    const config = loadWorkshopConfig({ ...noFile, SM_CONFIG_FILE: withFile("{}") });
    expect(config).toMatchObject({ mode: "local", confirmCosts: true });
    expect(localRoleArn("000000000000")).toBe("arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole");
  });

  it("AWS mode defaults to Seoul, takes the region from the environment, and gates costs", () => {
    const file = withFile("{}");
    expect(loadWorkshopConfig({ SM_MODE: "aws", SM_CONFIG_FILE: file })).toMatchObject({
      mode: "aws",
      region: "ap-northeast-2",
      confirmCosts: false,
    });
    expect(
      loadWorkshopConfig({
        SM_MODE: "AWS",
        AWS_REGION: "us-west-2",
        SM_CONFIRM_COSTS: "1",
        SM_CONFIG_FILE: file,
      }),
    ).toMatchObject({ region: "us-west-2", confirmCosts: true });
  });

  it("reads the config file, environment variables winning", () => {
    const file = withFile(
      JSON.stringify({
        mode: "aws",
        region: "us-east-1",
        roleArn: "arn:aws:iam::111122223333:role/R",
        confirmCosts: true,
      }),
    );
    expect(loadWorkshopConfig({ SM_CONFIG_FILE: file })).toMatchObject({
      mode: "aws",
      region: "us-east-1",
      roleArn: "arn:aws:iam::111122223333:role/R",
      confirmCosts: true,
    });
    expect(loadWorkshopConfig({ SM_CONFIG_FILE: file, SM_MODE: "local" }).mode).toBe("local");
  });

  it("explains a missing role, a bad role, a bad mode and a broken file", () => {
    const file = withFile("{}");
    const config = loadWorkshopConfig({ SM_MODE: "aws", SM_CONFIG_FILE: file });
    expect(() => requireRoleArn(config)).toThrow(/SM_ROLE_ARN=arn:aws:iam::<account>:role\/<name>/);
    expect(() => loadWorkshopConfig({ SM_MODE: "aws", SM_ROLE_ARN: "MyRole", SM_CONFIG_FILE: file })).toThrow(
      /"MyRole" is not an IAM role ARN/,
    );
    expect(() => loadWorkshopConfig({ SM_MODE: "cloud", SM_CONFIG_FILE: file })).toThrow(
      /SM_MODE is "cloud"/,
    );
    expect(() => loadWorkshopConfig({ SM_CONFIG_FILE: withFile("{nope") })).toThrow(/not valid JSON/);
    expect(() => loadWorkshopConfig({ SM_CONFIG_FILE: "/nonexistent/config.json" })).toThrow(
      /does not exist/,
    );
  });

  it("names the default bucket like the Python SDK and creates it correctly in us-east-1", () => {
    expect(defaultBucketName("ap-northeast-2", "111122223333")).toBe("sagemaker-ap-northeast-2-111122223333");
    expect(createBucketRequest("b", "us-east-1")).toEqual({ Bucket: "b" });
    expect(createBucketRequest("b", "ap-northeast-2")).toEqual({
      Bucket: "b",
      CreateBucketConfiguration: { LocationConstraint: "ap-northeast-2" },
    });
  });

  it("states costs before AWS cells and nothing scary locally", () => {
    const aws = loadWorkshopConfig({ SM_MODE: "aws", SM_CONFIG_FILE: withFile("{}") });
    const notice = costNotice(aws, [{ what: "training job", instanceType: "ml.g5.xlarge", hours: 0.5 }]);
    expect(notice).toContain("ml.g5.xlarge ($1.41/h, about $0.704 for 0.5 h)");
    expect(notice).toContain("SM_CONFIRM_COSTS=1");
    const local = loadWorkshopConfig({ SM_CONFIG_FILE: withFile("{}") });
    expect(costNotice(local, [{ what: "endpoint", instanceType: "ml.m5.xlarge" }])).toContain("free");
  });

  it("makes unique names that fit SageMaker's 63 characters", () => {
    const name = uniqueName("a".repeat(80), new Date("2026-11-21T09:00:00.123Z"));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/-2026-11-21-09-00-00-123$/);
    expect(uniqueName("ko_sagemaker 3.3", new Date("2026-11-21T09:00:00.000Z"))).toBe(
      "ko-sagemaker-3-3-2026-11-21-09-00-00-000",
    );
  });
});

describe("lab helpers", () => {
  it("summarises latencies with nearest-rank percentiles", () => {
    const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencySummary(latencies)).toEqual({
      requests: 100,
      meanMs: 50.5,
      p50Ms: 50,
      p90Ms: 90,
      p99Ms: 99,
      maxMs: 100,
    });
    expect(latencySummary([7])).toMatchObject({ p50Ms: 7, p99Ms: 7 });
    expect(() => latencySummary([])).toThrow(/at least one request/);
  });

  it("extracts per-epoch metric curves from log lines with the job's regexes", () => {
    const logs = [
      { message: "epoch=1; loss=0.5; eval_loss=0.45; eval_accuracy=0.79;" },
      { message: "noise eval_accuracy=oops;" },
      { message: "epoch=2; loss=0.4; eval_loss=0.41; eval_accuracy=0.8123;" },
      { message: "final (validation): eval_accuracy=0.8123; eval_f1=0.8; eval_loss=4.1e-1;" },
    ];
    expect(metricSeries(logs, SENTIMENT_METRICS)).toEqual({
      eval_accuracy: [0.79, 0.8123, 0.8123],
      eval_f1: [0.8],
      eval_loss: [0.45, 0.41, 0.41],
    });
  });
});
