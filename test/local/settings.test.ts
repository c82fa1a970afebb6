import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startLocalServer } from "../../src/local/server";
import { loadSettings, SettingsError } from "../../src/local/settings";

const ROOT = join(__dirname, "..", "..");

describe("local SageMaker settings", () => {
  it("has defaults, reads valid values, and lets explicit overrides win", () => {
    expect(loadSettings({}).settings).toEqual({
      region: "ap-northeast-2",
      accountId: "000000000000",
      maxInstances: 8,
      maxTrainingJobs: 2,
      maxProcessingJobs: 2,
      stopGraceMs: 10_000,
      serverlessIdleMs: 120_000,
      mmeMaxModels: 5,
      auth: true,
      metrics: true,
      archiveLimits: { maxBytes: 4 * 2 ** 30, maxRatio: 200, maxEntries: 100_000 },
      metricsRetentionMs: 24 * 3_600_000,
      alarmTimeScale: 1,
      lambdaConcurrency: 10,
      lambdaIdleMs: 300_000,
    });
    const { settings } = loadSettings(
      {
        AWS_REGION: "us-west-2",
        LOCAL_SAGEMAKER_MAX_INSTANCES: "12",
        LOCAL_SAGEMAKER_MAX_TRAINING_JOBS: " 3 ",
        LOCAL_SAGEMAKER_STOP_GRACE_SECONDS: "0.5",
        LOCAL_SAGEMAKER_SERVERLESS_IDLE_SECONDS: "5",
        LOCAL_SAGEMAKER_LAMBDA_IDLE_SECONDS: "30",
      },
      { maxTrainingJobs: 1 },
    );
    expect(settings).toMatchObject({
      region: "us-west-2",
      maxInstances: 12,
      maxTrainingJobs: 1,
      stopGraceMs: 500,
      serverlessIdleMs: 5_000,
      lambdaIdleMs: 30_000,
    });
  });

  it("refuses a value that does not fit, naming the variable, the value and the rule, all problems at once", () => {
    let error: unknown;
    try {
      loadSettings({ LOCAL_SAGEMAKER_MAX_INSTANCES: "abc", LOCAL_SAGEMAKER_MAX_TRAINING_JOBS: "1.5" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as Error).message;
    expect(message).toContain(
      'LOCAL_SAGEMAKER_MAX_INSTANCES is "abc": use a whole number of at least 1 (default 8)',
    );
    expect(message).toContain('LOCAL_SAGEMAKER_MAX_TRAINING_JOBS is "1.5": use a whole number of at least 1');
    expect(() => loadSettings({ LOCAL_SAGEMAKER_STOP_GRACE_SECONDS: "-1" })).toThrow(/at least 0/);
    expect(() => loadSettings({ LOCAL_SAGEMAKER_MAX_INSTANCES: "0" })).toThrow(/at least 1/);
  });

  it("turns signature checks off only when asked, and says what that means", () => {
    const { settings, warnings } = loadSettings({ LOCAL_SAGEMAKER_AUTH: "off" });
    expect(settings.auth).toBe(false);
    expect(warnings[0]).toMatch(
      /LOCAL_SAGEMAKER_AUTH=off: requests are served without checking their signatures/,
    );
    expect(() => loadSettings({ LOCAL_SAGEMAKER_AUTH: "maybe" })).toThrow(
      /LOCAL_SAGEMAKER_AUTH is "maybe": use on/,
    );
  });

  it("warns about a variable that looks like a setting but is none (a typo)", () => {
    const { warnings } = loadSettings({ LOCAL_SAGEMAKER_MAX_INSTANCE: "4", LOCAL_SAGEMAKER_PORT: "7071" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^LOCAL_SAGEMAKER_MAX_INSTANCE is not a setting of local SageMaker and is ignored; known settings: .*LOCAL_SAGEMAKER_MAX_INSTANCES/,
    );
  });

  it("stops the server from starting with a bad value, and the CLI says why and exits 1", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "settings-"));
    const previous = process.env.LOCAL_SAGEMAKER_MAX_INSTANCES;
    process.env.LOCAL_SAGEMAKER_MAX_INSTANCES = "abc";
    try {
      await expect(startLocalServer({ port: 0, stateDir })).rejects.toThrow(
        /LOCAL_SAGEMAKER_MAX_INSTANCES is "abc"/,
      );
    } finally {
      if (previous === undefined) delete process.env.LOCAL_SAGEMAKER_MAX_INSTANCES;
      else process.env.LOCAL_SAGEMAKER_MAX_INSTANCES = previous;
    }
    const cli = spawnSync(
      process.execPath,
      [require.resolve("tsx/cli"), join(ROOT, "src/local/cli.ts"), "--port", "0", "--state-dir", stateDir],
      {
        env: { ...process.env, LOCAL_SAGEMAKER_MAX_TRAINING_JOBS: "many" },
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    rmSync(stateDir, { recursive: true, force: true });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain('LOCAL_SAGEMAKER_MAX_TRAINING_JOBS is "many"');
  });
});
