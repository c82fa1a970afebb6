import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RetryPipelineExecutionCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { afterAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";
import {
  createPipeline,
  createStepFunction,
  definition,
  LambdaClient,
  start,
  stepsOf,
  waitForExecution,
} from "./pipeline-fixtures";

/**
 * The restart rule: executions are durable, and one that was running when the server stopped is Failed after the
 * next start, saying why; RetryPipelineExecution then runs the steps that did not succeed, keeping those that did.
 */

const stateDir = mkdtempSync(join(tmpdir(), "local-sagemaker-pipeline-restart-"));
let server: LocalServer | undefined;

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("a server restart during an execution", () => {
  it("marks the execution and its running step Failed with the reason, and a retry finishes it", async () => {
    server = await startLocalServer({ port: 0, stateDir });
    let sm = new SageMakerClient(clientConfig(server));
    const functionArn = await createStepFunction(new LambdaClient(clientConfig(server)), "restart-step");
    const step = (name: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      Name: name,
      Type: "Lambda",
      FunctionArn: functionArn,
      OutputParameters: [{ OutputName: "doubled", OutputType: "Integer" }],
      Arguments: args,
      ...extra,
    });
    await createPipeline(
      sm,
      "restartable",
      definition([
        step("Quick", { n: 1 }),
        step("Slow", { n: { Get: "Steps.Quick.OutputParameters['doubled']" }, sleepMs: 2_500 }),
      ]),
    );
    const arn = await start(sm, "restartable");
    const deadline = Date.now() + 20_000;
    while ((await stepsOf(sm, arn)).Slow?.StepStatus !== "Executing" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await server.close();

    server = await startLocalServer({ port: 0, stateDir });
    sm = new SageMakerClient(clientConfig(server));
    const failed = await waitForExecution(sm, arn, 5_000);
    expect(failed.PipelineExecutionStatus).toBe("Failed");
    expect(failed.FailureReason).toMatch(
      /local SageMaker was restarted while this pipeline execution was running/,
    );
    let steps = await stepsOf(sm, arn);
    expect(steps.Quick?.StepStatus).toBe("Succeeded");
    expect(steps.Slow?.StepStatus).toBe("Failed");
    expect(steps.Slow?.FailureReason).toMatch(/Retry it with RetryPipelineExecution/);

    await sm.send(new RetryPipelineExecutionCommand({ PipelineExecutionArn: arn }));
    const retried = await waitForExecution(sm, arn, 30_000);
    expect(retried.PipelineExecutionStatus).toBe("Succeeded");
    expect(retried.FailureReason).toBeUndefined();
    steps = await stepsOf(sm, arn);
    expect(steps.Quick).toMatchObject({ StepStatus: "Succeeded", AttemptCount: 1 });
    expect(steps.Slow).toMatchObject({ StepStatus: "Succeeded", AttemptCount: 2 });
    expect(steps.Slow?.Metadata?.Lambda?.OutputParameters).toEqual([{ Name: "doubled", Value: "4" }]);
    const again = await sm.send(new RetryPipelineExecutionCommand({ PipelineExecutionArn: arn })).then(
      () => new Error("answered"),
      (error: Error) => error,
    );
    expect(again.name).toBe("ConflictException");
  }, 60_000);
});
