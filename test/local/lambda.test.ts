import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  ListFunctionsCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { NODE_HANDLER, PYTHON_HANDLER, zipOf } from "../support/lambda-zips";
import { clientConfig } from "../support/local-clients";

/** Local Lambda through the real @aws-sdk/client-lambda: the API, the states, and functions that really run. */

const ROLE = "arn:aws:iam::000000000000:role/lambda-role";
const HAS_PYTHON = spawnSync("python3", ["--version"]).status === 0;
const CONCURRENCY = 2;

let stateDir: string;
let server: LocalServer;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
let s3: S3Client;

async function startServer(): Promise<void> {
  server = await startLocalServer({ port: 0, stateDir, settings: { lambdaConcurrency: CONCURRENCY } });
  const config = clientConfig(server);
  // One attempt: the tests look at Lambda's first answer (the SDK retries throttles by itself).
  lambda = new LambdaClient({ ...config, maxAttempts: 1 });
  logs = new CloudWatchLogsClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
}

async function stopServer(): Promise<void> {
  await server.close();
  for (const client of [lambda, logs, s3]) client.destroy();
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "lambda-"));
  await startServer();
});
afterAll(async () => {
  await stopServer();
  rmSync(stateDir, { recursive: true, force: true });
});

let counter = 0;
const uniqueName = (base: string): string => `${base}-${++counter}`;

async function createFunction(overrides: Partial<CreateFunctionCommandInput> = {}): Promise<string> {
  const name = overrides.FunctionName ?? uniqueName("fn");
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Role: ROLE,
      Code: { ZipFile: zipOf({ "index.js": NODE_HANDLER }) },
      ...overrides,
    }),
  );
  await waitUntilFunctionActiveV2(
    { client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 60 },
    { FunctionName: name },
  );
  return name;
}

async function invoke(
  name: string,
  event: unknown,
  extra: { LogType?: "Tail"; InvocationType?: "Event" | "DryRun" } = {},
) {
  const answer = await lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), ...extra }),
  );
  return {
    ...answer,
    json: decode(answer),
    log: answer.LogResult ? Buffer.from(answer.LogResult, "base64").toString() : "",
  };
}

function decode(answer: InvokeCommandOutput): unknown {
  const text = Buffer.from(answer.Payload ?? []).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a failure");
}

/** The function's log events (all streams) once `done` says they are complete; polls, bounded. */
async function functionLogs(name: string, done: (messages: string[]) => boolean): Promise<string[]> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const answer = await logs
      .send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` }))
      .catch(() => ({ events: [] }));
    const messages = (answer.events ?? []).map((event) => event.message ?? "");
    if (done(messages)) return messages;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the logs of ${name} never got there`);
}

describe("the control plane", () => {
  it("creates a function Pending, then Active, and gets, lists, updates and deletes it", async () => {
    const name = uniqueName("crud");
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Role: ROLE,
        Code: { ZipFile: zipOf({ "index.js": NODE_HANDLER }) },
        Description: "crud test",
        MemorySize: 256,
        Timeout: 10,
        Environment: { Variables: { GREETING: "안녕" } },
        Tags: { "ko-sagemaker:workshop": "true" },
      }),
    );
    expect(created).toMatchObject({
      FunctionName: name,
      FunctionArn: `arn:aws:lambda:${server.region}:000000000000:function:${name}`,
      State: "Pending",
      StateReasonCode: "Creating",
      LastUpdateStatus: "InProgress",
      Version: "$LATEST",
      PackageType: "Zip",
      MemorySize: 256,
      Timeout: 10,
      Architectures: ["x86_64"],
    });
    expect(created.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(created.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    await waitUntilFunctionActiveV2(
      { client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 60 },
      { FunctionName: name },
    );

    const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    expect(got.Configuration).toMatchObject({ State: "Active", LastUpdateStatus: "Successful" });
    expect(got.Configuration?.StateReason).toBeUndefined();
    expect(got.Tags).toEqual({ "ko-sagemaker:workshop": "true" });
    expect(got.Code?.RepositoryType).toBe("S3");
    expect(got.Code?.Location).toMatch(
      new RegExp(`^${server.url}/awslambda-${server.region}-tasks/snapshots/`),
    );
    // By ARN and with $LATEST too.
    const byArn = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: `${created.FunctionArn}:$LATEST` }),
    );
    expect(byArn.Environment?.Variables).toEqual({ GREETING: "안녕" });

    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 20, Description: "changed" }),
    );
    expect(updated).toMatchObject({ LastUpdateStatus: "InProgress", Timeout: 20 });
    await waitUntilFunctionUpdatedV2(
      { client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 60 },
      { FunctionName: name },
    );
    const code = await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: name,
        ZipFile: zipOf({ "index.js": "exports.handler = async () => 'v2';" }),
      }),
    );
    expect(code.CodeSha256).not.toBe(created.CodeSha256);
    await waitUntilFunctionUpdatedV2(
      { client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 60 },
      { FunctionName: name },
    );
    expect((await invoke(name, {})).json).toBe("v2");

    const conflict = await failure(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          Role: ROLE,
          Code: { ZipFile: zipOf({ "index.js": "" }) },
        }),
      ),
    );
    expect(conflict.name).toBe("ResourceConflictException");
    expect(conflict.$metadata).toMatchObject({ httpStatusCode: 409 });

    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    const gone = await failure(lambda.send(new GetFunctionCommand({ FunctionName: name })));
    expect(gone.name).toBe("ResourceNotFoundException");
    expect(gone.message).toBe(
      `Function not found: arn:aws:lambda:${server.region}:000000000000:function:${name}`,
    );
  });

  it("lists functions in pages with Marker and MaxItems", async () => {
    const names = [await createFunction(), await createFunction(), await createFunction()];
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await lambda.send(new ListFunctionsCommand({ MaxItems: 2, Marker: marker }));
      expect((page.Functions ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...(page.Functions ?? []).map((fn) => fn.FunctionName as string));
      marker = page.NextMarker;
    } while (marker);
    for (const name of names) expect(seen).toContain(name);
    const bad = await failure(lambda.send(new ListFunctionsCommand({ Marker: "nonsense" })));
    expect(bad.name).toBe("InvalidParameterValueException");
  });

  it("refuses what Lambda refuses, with Lambda's codes", async () => {
    const base = { Runtime: "nodejs22.x" as const, Handler: "index.handler", Role: ROLE };
    const memory = await failure(
      lambda.send(
        new CreateFunctionCommand({
          ...base,
          FunctionName: uniqueName("m"),
          MemorySize: 64,
          Code: { ZipFile: zipOf({ "index.js": "" }) },
        }),
      ),
    );
    expect(memory.name).toBe("ValidationException");
    expect(memory.message).toMatch(/memorySize/);
    const timeout = await failure(
      lambda.send(
        new CreateFunctionCommand({
          ...base,
          FunctionName: uniqueName("t"),
          Timeout: 901,
          Code: { ZipFile: zipOf({ "index.js": "" }) },
        }),
      ),
    );
    expect(timeout.name).toBe("ValidationException");
    expect(timeout.message).toMatch(/less than or equal to 900/);
    const reserved = await failure(
      lambda.send(
        new CreateFunctionCommand({
          ...base,
          FunctionName: uniqueName("r"),
          Environment: { Variables: { AWS_REGION: "x" } },
          Code: { ZipFile: zipOf({ "index.js": "" }) },
        }),
      ),
    );
    expect(reserved.name).toBe("InvalidParameterValueException");
    expect(reserved.message).toMatch(/Reserved keys used in this request: AWS_REGION/);
    const java = await failure(
      lambda.send(
        new CreateFunctionCommand({
          ...base,
          Runtime: "java21",
          FunctionName: uniqueName("j"),
          Code: { ZipFile: zipOf({ "index.js": "" }) },
        }),
      ),
    );
    expect(java.name).toBe("InvalidParameterValueException");
    const noCode = await failure(
      lambda.send(new CreateFunctionCommand({ ...base, FunctionName: uniqueName("n"), Code: {} })),
    );
    expect(noCode.message).toMatch(/provide a source for function code/);
  });

  it("refuses a zip whose entries climb out of the function's folder", async () => {
    for (const evil of ["../evil.js", "/etc/evil.js", "a/../../evil.js"]) {
      const refused = await failure(
        lambda.send(
          new CreateFunctionCommand({
            FunctionName: uniqueName("evil"),
            Runtime: "nodejs22.x",
            Handler: "index.handler",
            Role: ROLE,
            Code: { ZipFile: zipOf({ "index.js": NODE_HANDLER, [evil]: "pwned" }) },
          }),
        ),
      );
      expect(refused.name).toBe("InvalidParameterValueException");
      expect(refused.message).toMatch(/refused/);
    }
    const garbage = await failure(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: uniqueName("junk"),
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          Role: ROLE,
          Code: { ZipFile: Buffer.from("not a zip") },
        }),
      ),
    );
    expect(garbage.message).toMatch(/Could not unzip uploaded file/);
  });

  it("takes code from local S3, and says what is wrong with a missing object", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "lambda-code" }));
    await s3.send(
      new PutObjectCommand({
        Bucket: "lambda-code",
        Key: "fn.zip",
        Body: zipOf({ "index.js": NODE_HANDLER }),
      }),
    );
    const name = await createFunction({ Code: { S3Bucket: "lambda-code", S3Key: "fn.zip" } });
    expect((await invoke(name, { from: "s3" })).json).toMatchObject({ echo: { from: "s3" } });
    const missing = await failure(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: uniqueName("s3"),
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          Role: ROLE,
          Code: { S3Bucket: "lambda-code", S3Key: "nope.zip" },
        }),
      ),
    );
    expect(missing.name).toBe("InvalidParameterValueException");
    expect(missing.message).toMatch(/S3 Error Code: NoSuchKey/);
  });

  it("runs a local image's folder, and refuses an ECR image with what to do instead", async () => {
    const folder = mkdtempSync(join(tmpdir(), "lambda-image-"));
    writeFileSync(join(folder, "app.js"), "exports.run = async (event) => ({ image: true, event });");
    const name = uniqueName("image");
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        PackageType: "Image",
        Role: ROLE,
        Code: { ImageUri: "ko-sagemaker/lambda-nodejs:22" },
        ImageConfig: { Command: ["app.run"], WorkingDirectory: folder },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 60 },
      { FunctionName: name },
    );
    expect((await invoke(name, { a: 1 })).json).toEqual({ image: true, event: { a: 1 } });
    const described = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    expect(described.Code).toMatchObject({
      RepositoryType: "ECR",
      ImageUri: "ko-sagemaker/lambda-nodejs:22",
    });
    rmSync(folder, { recursive: true, force: true });

    const ecr = await failure(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: uniqueName("ecr"),
          PackageType: "Image",
          Role: ROLE,
          Code: { ImageUri: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/my-fn:latest" },
        }),
      ),
    );
    expect(ecr.name).toBe("InvalidParameterValueException");
    expect(ecr.message).toMatch(
      /cannot pull container images from Amazon ECR.*zip.*ko-sagemaker\/lambda-nodejs:22/,
    );
  });
});

describe("invocations", () => {
  let echo: string;
  beforeAll(async () => {
    echo = await createFunction({ MemorySize: 256, Environment: { Variables: { GREETING: "hello" } } });
  });

  it("answers RequestResponse with the handler's result and the context Lambda gives", async () => {
    const answer = await invoke(echo, { text: "정말 재밌어요" });
    expect(answer.StatusCode).toBe(200);
    expect(answer.ExecutedVersion).toBe("$LATEST");
    expect(answer.FunctionError).toBeUndefined();
    const result = answer.json as Record<string, unknown>;
    expect(result).toMatchObject({
      echo: { text: "정말 재밌어요" },
      functionName: echo,
      functionVersion: "$LATEST",
      memoryLimitInMB: "256",
      invokedFunctionArn: `arn:aws:lambda:${server.region}:000000000000:function:${echo}`,
      logGroupName: `/aws/lambda/${echo}`,
      env: {
        GREETING: "hello",
        AWS_LAMBDA_FUNCTION_NAME: echo,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
        AWS_REGION: server.region,
        AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      },
    });
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(result.remainingMs as number).toBeGreaterThan(0);
    expect(result.remainingMs as number).toBeLessThanOrEqual(3000);
  });

  it("tails the log: START, the handler's lines, END and REPORT, with Init Duration on a cold start only", async () => {
    const name = await createFunction();
    const cold = await invoke(name, { n: 1 }, { LogType: "Tail" });
    const requestId = (cold.json as { requestId: string }).requestId;
    expect(cold.log).toContain(`START RequestId: ${requestId} Version: $LATEST`);
    expect(cold.log).toMatch(new RegExp(`\\t${requestId}\\tINFO\\tevent {"n":1}`));
    expect(cold.log).toContain(`END RequestId: ${requestId}`);
    expect(cold.log).toMatch(
      new RegExp(
        `REPORT RequestId: ${requestId}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d\\d ms`,
      ),
    );
    const warm = await invoke(name, { n: 2 }, { LogType: "Tail" });
    expect(warm.log).toMatch(
      /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\n$/,
    );
    expect(warm.log).not.toContain("Init Duration");
    expect((warm.json as { logStreamName: string }).logStreamName).toBe(
      (cold.json as { logStreamName: string }).logStreamName,
    );
    // The same lines are in CloudWatch Logs, in the environment's stream.
    const messages = await functionLogs(
      name,
      (lines) => lines.filter((line) => line.startsWith("REPORT")).length >= 2,
    );
    expect(messages.filter((line) => line.startsWith("START")).length).toBe(2);
    // No tail unless asked.
    expect((await invoke(name, {})).LogResult).toBeUndefined();
  });

  it("answers DryRun with 204 and queues Event invocations (202), which run", async () => {
    const dry = await invoke(echo, {}, { InvocationType: "DryRun" });
    expect(dry.StatusCode).toBe(204);
    const queued = await invoke(echo, { queued: "yes" }, { InvocationType: "Event" });
    expect(queued.StatusCode).toBe(202);
    expect(queued.json).toBeUndefined();
    await functionLogs(echo, (lines) => lines.some((line) => line.includes('event {"queued":"yes"}')));
  });

  it("retries a failing Event invocation twice, as Lambda does", async () => {
    const name = await createFunction({
      Code: {
        ZipFile: zipOf({
          "index.js":
            "exports.handler = async (e, c) => { console.log('attempt', c.awsRequestId); throw new Error('always'); };",
        }),
      },
    });
    await invoke(name, {}, { InvocationType: "Event" });
    const lines = await functionLogs(
      name,
      (all) => all.filter((line) => line.startsWith("START")).length >= 3,
    );
    const ids = lines.filter((line) => line.startsWith("START")).map((line) => line.split(" ")[2]);
    expect(new Set(ids).size).toBe(1);
    expect(ids.length).toBe(3);
  });

  it("reports an unhandled Node error as X-Amz-Function-Error with Node's error document", async () => {
    const answer = await invoke(echo, { fail: "bad input" }, { LogType: "Tail" });
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBe("Unhandled");
    const document = answer.json as { errorType: string; errorMessage: string; trace: string[] };
    expect(document.errorType).toBe("TypeError");
    expect(document.errorMessage).toBe("boom: bad input");
    expect(document.trace[0]).toBe("TypeError: boom: bad input");
    expect(answer.log).toMatch(
      /\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"boom: bad input"/,
    );
    // The environment survives a handled throw.
    expect((await invoke(echo, { after: "error" })).FunctionError).toBeUndefined();
  });

  it("loads ES module handlers (index.mjs, top-level await) and callback-style handlers", async () => {
    const esm = await createFunction({
      Code: {
        ZipFile: zipOf({
          "index.mjs":
            "const greeting = await Promise.resolve('안녕');\nexport const handler = async (event) => ({ greeting, event });",
        }),
      },
    });
    expect((await invoke(esm, { a: 1 })).json).toEqual({ greeting: "안녕", event: { a: 1 } });
    const callback = await createFunction({
      Code: {
        ZipFile: zipOf({
          "index.js": "exports.handler = (event, context, callback) => callback(null, { via: 'callback' });",
        }),
      },
    });
    expect((await invoke(callback, {})).json).toEqual({ via: "callback" });
  });

  it("reports a handler that cannot be loaded as Runtime.ImportModuleError / HandlerNotFound", async () => {
    const missing = await createFunction({ Handler: "nothere.handler" });
    const answer = await invoke(missing, {});
    expect(answer.FunctionError).toBe("Unhandled");
    expect(answer.json).toMatchObject({ errorType: "Runtime.ImportModuleError" });
    const noExport = await createFunction({ Handler: "index.nope" });
    expect((await invoke(noExport, {})).json).toMatchObject({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "index.nope is undefined or not exported",
    });
  });

  it("ends a runaway invocation at the Timeout, and the next one gets a new environment", async () => {
    const name = await createFunction({ Timeout: 1 });
    const first = await invoke(name, {}, { LogType: "Tail" });
    const answer = await invoke(name, { spin: true }, { LogType: "Tail" });
    expect(answer.FunctionError).toBe("Unhandled");
    expect(answer.json).toMatchObject({ errorType: "Sandbox.Timedout" });
    expect((answer.json as { errorMessage: string }).errorMessage).toMatch(
      /Task timed out after 1\.00 seconds$/,
    );
    expect(answer.log).toMatch(/Task timed out after 1\.00 seconds/);
    expect(answer.log).toMatch(/Status: timeout/);
    const after = await invoke(name, { again: true }, { LogType: "Tail" });
    expect(after.FunctionError).toBeUndefined();
    expect(after.log).toContain("Init Duration");
    expect((after.json as { logStreamName: string }).logStreamName).not.toBe(
      (first.json as { logStreamName: string }).logStreamName,
    );
  });

  it("caps a Node environment's heap at MemorySize: running out kills the runtime", async () => {
    const name = await createFunction({ MemorySize: 128, Timeout: 60 });
    const answer = await invoke(name, { hog: true }, { LogType: "Tail" });
    expect(answer.FunctionError).toBe("Unhandled");
    expect(answer.json).toMatchObject({ errorType: "Runtime.ExitError" });
    expect((answer.json as { errorMessage: string }).errorMessage).toMatch(
      /Runtime exited with error: signal: killed$/,
    );
    expect(answer.log).toMatch(/Max Memory Used: 128 MB/);
    expect((await invoke(name, { fine: true })).FunctionError).toBeUndefined();
  });

  it("throttles past the function's concurrency with TooManyRequestsException", async () => {
    const name = await createFunction({ Timeout: 30 });
    const sleepers = Array.from({ length: CONCURRENCY }, () => invoke(name, { sleepMs: 4000 }));
    await functionLogs(
      name,
      (lines) => lines.filter((line) => line.includes("\tINFO\tsleeping")).length >= CONCURRENCY,
    );
    const throttled = await failure(invoke(name, {}));
    expect(throttled.name).toBe("TooManyRequestsException");
    expect(throttled.$metadata).toMatchObject({ httpStatusCode: 429 });
    expect(throttled).toMatchObject({
      Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
      retryAfterSeconds: "1",
    });
    for (const answer of await Promise.all(sleepers)) expect(answer.FunctionError).toBeUndefined();
  });

  it("refuses a payload over 6 MB and answers an oversized result with Lambda's error", async () => {
    const big = await failure(invoke(echo, { text: "x".repeat(6_291_456) }));
    expect(big.name).toBe("RequestTooLargeException");
    expect(big.$metadata).toMatchObject({ httpStatusCode: 413 });
    const answer = await invoke(echo, { big: 6_300_000 });
    expect(answer.FunctionError).toBe("Unhandled");
    expect(answer.json).toMatchObject({ errorType: "Function.ResponseSizeTooLarge" });
    const notJson = await failure(
      lambda.send(new InvokeCommand({ FunctionName: echo, Payload: Buffer.from("{nope") })),
    );
    expect(notJson.name).toBe("InvalidRequestContentException");
  });

  it("gives handlers the server's endpoint and credentials, so their SDK calls reach local S3", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "from-lambda" }));
    await s3.send(
      new PutObjectCommand({ Bucket: "from-lambda", Key: "note.txt", Body: "로컬 S3에서 왔어요" }),
    );
    const handler = `
      const { S3Client, GetObjectCommand } = require("@aws-sdk/client-s3");
      const s3 = new S3Client({ forcePathStyle: true });
      exports.handler = async (event) => {
        const object = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: event.key }));
        return { text: await object.Body.transformToString() };
      };`;
    const name = await createFunction({ Code: { ZipFile: zipOf({ "index.js": handler }) }, Timeout: 30 });
    const answer = await invoke(name, { bucket: "from-lambda", key: "note.txt" });
    expect(answer.FunctionError).toBeUndefined();
    expect(answer.json).toEqual({ text: "로컬 S3에서 왔어요" });
  });

  it.skipIf(!HAS_PYTHON)(
    "runs Python handlers, and reports their errors as Python's runtime writes them",
    async () => {
      const name = await createFunction({
        Runtime: "python3.11",
        Handler: "app.lambda_handler",
        Code: { ZipFile: zipOf({ "app.py": PYTHON_HANDLER }) },
      });
      const answer = await invoke(name, { body: JSON.stringify({ inputs: "재밌다" }) }, { LogType: "Tail" });
      expect(answer.FunctionError).toBeUndefined();
      const result = answer.json as { statusCode: number; body: string };
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ got: { inputs: "재밌다" }, function: name, memory: 128 });
      expect(answer.log).toContain("python event");
      expect(answer.log).toContain("Init Duration");
      const failed = await invoke(name, { fail: "nope" }, { LogType: "Tail" });
      expect(failed.FunctionError).toBe("Unhandled");
      const document = failed.json as {
        errorMessage: string;
        errorType: string;
        requestId: string;
        stackTrace: string[];
      };
      expect(document).toMatchObject({ errorMessage: "boom: nope", errorType: "ValueError" });
      expect(document.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(document.stackTrace.join("")).toMatch(/app\.py", line \d+, in lambda_handler/);
      expect(failed.log).toContain("[ERROR] ValueError: boom: nope");
      const broken = await createFunction({
        Runtime: "python3.12",
        Handler: "missing.lambda_handler",
        Code: { ZipFile: zipOf({ "app.py": PYTHON_HANDLER }) },
      });
      expect((await invoke(broken, {})).json).toMatchObject({ errorType: "Runtime.ImportModuleError" });
    },
  );
});

describe("restarts", () => {
  it("keeps functions across a restart; environments start cold again", async () => {
    const name = await createFunction();
    expect((await invoke(name, { before: true })).FunctionError).toBeUndefined();
    await stopServer();
    await startServer();
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(config.State).toBe("Active");
    const after = await invoke(name, { after: true }, { LogType: "Tail" });
    expect(after.json).toMatchObject({ echo: { after: true } });
    expect(after.log).toContain("Init Duration");
  });
});

describe("reclamation", () => {
  it("reclaims an idle environment: the next invocation is a cold start", async () => {
    const idleState = mkdtempSync(join(tmpdir(), "lambda-idle-"));
    const idle = await startLocalServer({ port: 0, stateDir: idleState, settings: { lambdaIdleMs: 200 } });
    const client = new LambdaClient({ ...clientConfig(idle), maxAttempts: 1 });
    try {
      const name = "idle-fn";
      await client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          Role: ROLE,
          Code: { ZipFile: zipOf({ "index.js": NODE_HANDLER }) },
        }),
      );
      await waitUntilFunctionActiveV2(
        { client, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 60 },
        { FunctionName: name },
      );
      const environments = (): number =>
        (JSON.parse(readFileSync(join(idleState, "processes.json"), "utf8")) as { label: string }[]).filter(
          (entry) => entry.label.startsWith(`Lambda environment ${name}/`),
        ).length;
      await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from("{}") }));
      expect(environments()).toBe(1);
      for (let attempt = 0; environments() > 0 && attempt < 300; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(environments()).toBe(0);
      const again = await client.send(
        new InvokeCommand({ FunctionName: name, Payload: Buffer.from("{}"), LogType: "Tail" }),
      );
      expect(Buffer.from(again.LogResult ?? "", "base64").toString()).toContain("Init Duration");
    } finally {
      client.destroy();
      await idle.close();
      rmSync(idleState, { recursive: true, force: true });
    }
  });
});
