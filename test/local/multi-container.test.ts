import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  type ContainerDefinition,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeModelCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, type InvokeEndpointCommandInput } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BUCKET,
  deleteAllEndpoints,
  deploy,
  IMAGE,
  KEYWORD_MODEL,
  type Local,
  modelArchive,
  putArchive,
  settled,
  startLocal,
  stopLocal,
  unique,
} from "./hosting-fixtures";

/** Endpoints of several containers (Direct and Serial) and multi-model endpoints, through the real clients. */

let local: Local;
/** Endpoints a describe block shares between its tests. */
const kept: string[] = [];

beforeAll(async () => {
  local = await startLocal(undefined, { mmeMaxModels: 2 });
});
afterEach(() => deleteAllEndpoints(local, kept));
afterAll(async () => {
  await deleteAllEndpoints(local);
  await stopLocal(local);
});

/** A handler that answers who it is and what it was sent (body, content type, accept). */
const ECHO = (name: string, options: { fail?: boolean; contentType?: string } = {}) => `
export function modelFn() { return ${JSON.stringify(name)}; }
export function transformFn(model: string, body: string, contentType: string, accept: string) {
  ${options.fail ? `throw new Error(${JSON.stringify(`${name} cannot read this`)});` : ""}
  console.log("${name} received " + contentType + " -> " + accept + ": " + body);
  return { body: JSON.stringify({ from: model, got: body, contentType, accept }), contentType: ${JSON.stringify(options.contentType ?? "application/json")} };
}
`;

async function createMultiContainerEndpoint(
  containers: ContainerDefinition[],
  mode?: "Direct" | "Serial",
): Promise<{ endpoint: string; model: string }> {
  const model = unique("m");
  const config = unique("c");
  const endpoint = unique("e");
  await local.sm.send(
    new CreateModelCommand({
      ModelName: model,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/local",
      Containers: containers,
      ...(mode ? { InferenceExecutionConfig: { Mode: mode } } : {}),
    }),
  );
  await local.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: config,
      ProductionVariants: [
        { VariantName: "AllTraffic", ModelName: model, InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
      ],
    }),
  );
  await local.sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: config }));
  const described = await settled(local, endpoint);
  if (described.EndpointStatus !== "InService") throw new Error(`${endpoint}: ${described.FailureReason}`);
  return { endpoint, model };
}

const container = async (
  hostname: string | undefined,
  handler: string,
  extra: Partial<ContainerDefinition> = {},
): Promise<ContainerDefinition> => ({
  ...(hostname ? { ContainerHostname: hostname } : {}),
  Image: IMAGE,
  ModelDataUrl: await putArchive(local, await modelArchive({ "code/inference.ts": handler })),
  ...extra,
});

async function invoke(input: Omit<InvokeEndpointCommandInput, "Body"> & { Body: string }) {
  const answer = await local.runtimeOnce.send(new InvokeEndpointCommand(input));
  return {
    json: JSON.parse(Buffer.from(answer.Body ?? []).toString("utf8")),
    contentType: answer.ContentType,
  };
}

async function failure(input: Omit<InvokeEndpointCommandInput, "Body"> & { Body: string }) {
  return local.runtimeOnce.send(new InvokeEndpointCommand(input)).then(
    () => {
      throw new Error("expected InvokeEndpoint to fail");
    },
    (error: Error & { $metadata: { httpStatusCode?: number }; OriginalStatusCode?: number }) => error,
  );
}

async function logMessages(endpoint: string): Promise<{ stream: string; message: string }[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const events = await local.logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/sagemaker/Endpoints/${endpoint}` }),
    );
    const found = (events.events ?? []).map((event) => ({
      stream: event.logStreamName as string,
      message: event.message as string,
    }));
    if (found.some((event) => / received | loaded in /.test(event.message))) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [];
}

describe("a multi-container endpoint with direct invocation", () => {
  let endpoint: string;
  let model: string;

  beforeAll(async () => {
    ({ endpoint, model } = await createMultiContainerEndpoint(
      [
        await container("sentiment", ECHO("sentiment")),
        await container("topic", ECHO("topic")),
        await container("broken", ECHO("broken", { fail: true })),
      ],
      "Direct",
    ));
    kept.push(endpoint);
  });

  it("describes its containers and execution mode", async () => {
    const described = await local.sm.send(new DescribeModelCommand({ ModelName: model }));
    expect(described.Containers?.map((c) => c.ContainerHostname)).toEqual(["sentiment", "topic", "broken"]);
    expect(described.InferenceExecutionConfig).toEqual({ Mode: "Direct" });
  });

  it("sends each request to the container TargetContainerHostname names, logging per container", async () => {
    const body = { EndpointName: endpoint, ContentType: "application/json", Body: '{"inputs":"좋아요"}' };
    expect((await invoke({ ...body, TargetContainerHostname: "sentiment" })).json.from).toBe("sentiment");
    expect((await invoke({ ...body, TargetContainerHostname: "topic" })).json.from).toBe("topic");
    const streams = new Set((await logMessages(endpoint)).map((event) => event.stream));
    expect([...streams].some((stream) => /^AllTraffic\/i-[0-9a-f]+\/topic$/.test(stream))).toBe(true);
    expect([...streams].some((stream) => /^AllTraffic\/i-[0-9a-f]+\/sentiment$/.test(stream))).toBe(true);
  });

  it("needs a hostname, one of its containers, and names them when it is missing or unknown", async () => {
    const body = { EndpointName: endpoint, ContentType: "application/json", Body: "{}" };
    expect(await failure(body)).toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(/TargetContainerHostname \(one of sentiment, topic, broken\)/),
    });
    expect(await failure({ ...body, TargetContainerHostname: "ghost" })).toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(/ghost is not a container.*sentiment, topic, broken/),
    });
  });

  it("a failing container fails only its own calls, naming it", async () => {
    const body = { EndpointName: endpoint, ContentType: "application/json", Body: "{}" };
    const failed = await failure({ ...body, TargetContainerHostname: "broken" });
    expect(failed).toMatchObject({ name: "ModelError", OriginalStatusCode: 400 });
    expect(failed.message).toMatch(/variant AllTraffic \(container broken\).*broken cannot read this/);
    expect((await invoke({ ...body, TargetContainerHostname: "topic" })).json.from).toBe("topic");
  });

  it("refuses a hostname on an endpoint that is not direct, and hostnames missing on a Direct model", async () => {
    const single = await deploy(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL }));
    expect(
      await failure({
        EndpointName: single.endpoint,
        ContentType: "application/json",
        Body: "{}",
        TargetContainerHostname: "x",
      }),
    ).toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(/only for multi-container endpoints/),
    });
    await expect(
      local.sm.send(
        new CreateModelCommand({
          ModelName: unique("m"),
          ExecutionRoleArn: "arn:aws:iam::000000000000:role/local",
          Containers: [{ Image: IMAGE }, { Image: IMAGE, ContainerHostname: "b" }],
          InferenceExecutionConfig: { Mode: "Direct" },
        }),
      ),
    ).rejects.toThrow(/give every container a ContainerHostname/);
  });
});

describe("an inference pipeline (Serial)", () => {
  it("passes each answer to the next container: ContentType to the first, Accept to the last, JSON between", async () => {
    const { endpoint } = await createMultiContainerEndpoint([
      await container("pre", ECHO("pre", { contentType: "text/x-normalised" })),
      await container("model", ECHO("model", { contentType: "" })),
      await container("post", ECHO("post", { contentType: "text/csv" })),
    ]);
    const answer = await invoke({
      EndpointName: endpoint,
      ContentType: "text/plain",
      Accept: "text/csv",
      Body: "ㅋㅋ 최고",
    });
    expect(answer.contentType).toBe("text/csv");
    expect(answer.json).toMatchObject({ from: "post", accept: "text/csv", contentType: "application/json" });
    const fromModel = JSON.parse(answer.json.got);
    expect(fromModel).toMatchObject({
      from: "model",
      contentType: "text/x-normalised",
      accept: "application/json",
    });
    expect(JSON.parse(fromModel.got)).toEqual({
      from: "pre",
      got: "ㅋㅋ 최고",
      contentType: "text/plain",
      accept: "application/json",
    });
  });

  it("a failure in the middle is a ModelError that names the container", async () => {
    const { endpoint } = await createMultiContainerEndpoint(
      [
        await container("pre", ECHO("pre")),
        await container("model", ECHO("model", { fail: true })),
        await container("post", ECHO("post")),
      ],
      "Serial",
    );
    const failed = await failure({ EndpointName: endpoint, ContentType: "application/json", Body: "{}" });
    expect(failed).toMatchObject({ name: "ModelError", OriginalStatusCode: 400 });
    expect(failed.message).toMatch(/container model.*model cannot read this/);
  });
});

describe("a multi-model endpoint", () => {
  let endpoint: string;
  let prefix: string;

  beforeAll(async () => {
    prefix = `mme-${unique("p")}`;
    for (const name of ["a", "b", "c"]) {
      await putArchive(
        local,
        await modelArchive({ "code/inference.ts": ECHO(name) }),
        `${prefix}/${name}.tar.gz`,
      );
    }
    endpoint = (
      await createMultiContainerEndpoint([
        { Image: IMAGE, Mode: "MultiModel", ModelDataUrl: `s3://${BUCKET}/${prefix}/` },
      ])
    ).endpoint;
    kept.push(endpoint);
  });

  const body = () => ({ EndpointName: endpoint, ContentType: "application/json", Body: '{"inputs":"x"}' });

  it("loads the TargetModel on first use and answers with it", async () => {
    expect((await invoke({ ...body(), TargetModel: "a.tar.gz" })).json.from).toBe("a");
    expect((await invoke({ ...body(), TargetModel: "b.tar.gz" })).json.from).toBe("b");
    expect((await invoke({ ...body(), TargetModel: "a.tar.gz" })).json.from).toBe("a");
    const messages = (await logMessages(endpoint)).map((event) => event.message);
    expect(messages.filter((message) => /Model a\.tar\.gz loaded in \d+ ms/.test(message))).toHaveLength(1);
    expect(messages.some((message) => message.includes("Invoking model b.tar.gz"))).toBe(true);
  });

  it("keeps at most LOCAL_SAGEMAKER_MME_MAX_MODELS loaded, unloading the least recently used", async () => {
    await invoke({ ...body(), TargetModel: "a.tar.gz" });
    await invoke({ ...body(), TargetModel: "b.tar.gz" });
    await invoke({ ...body(), TargetModel: "c.tar.gz" }); // a is the least recently used of a, b
    expect((await invoke({ ...body(), TargetModel: "a.tar.gz" })).json.from).toBe("a");
    const messages = (await logMessages(endpoint)).map((event) => event.message);
    expect(messages.some((message) => /Model a\.tar\.gz unloaded \(least recently used/.test(message))).toBe(
      true,
    );
    expect(
      messages.filter((message) => /Model a\.tar\.gz loaded in/.test(message)).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("answers SageMaker's errors for a missing model, no TargetModel, and TargetModel elsewhere", async () => {
    expect(await failure({ ...body(), TargetModel: "nope.tar.gz" })).toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(
        new RegExp(`Failed to download model data\\(bucket: ${BUCKET}, key: ${prefix}/nope\\.tar\\.gz\\)`),
      ),
    });
    expect(await failure(body())).toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(/multi-model endpoint: name the model to invoke with TargetModel/),
    });
    const single = await deploy(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL }));
    expect(
      await failure({
        EndpointName: single.endpoint,
        ContentType: "application/json",
        Body: "{}",
        TargetModel: "a.tar.gz",
      }),
    ).toMatchObject({
      name: "ValidationError",
      message: `Endpoint ${single.endpoint} is not a multi-model endpoint and does not support target model header.`,
    });
  });
});
