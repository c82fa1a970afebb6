import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  type ProductionVariantServerlessConfig,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  alive,
  containerPids,
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

/** Serverless endpoints: no standing container, cold starts, MaxConcurrency, idle stop, warm ProvisionedConcurrency. */

const IDLE_MS = 1_500;
let local: Local;
let archive: string;

/** The keyword model, slowed down by a wait the request names, to hold a container busy. */
const SLOW_MODEL = `${KEYWORD_MODEL}
export async function predictFn(data: { inputs: string; waitMs?: number }, model: { classify(t: string[]): unknown[] }) {
  await new Promise((resolve) => setTimeout(resolve, data.waitMs ?? 0));
  return model.classify([data.inputs]);
}
`;

beforeAll(async () => {
  local = await startLocal(undefined, { serverlessIdleMs: IDLE_MS });
  archive = await putArchive(local, await modelArchive({ "code/inference.ts": SLOW_MODEL }));
});
afterEach(() => deleteAllEndpoints(local));
afterAll(async () => {
  await deleteAllEndpoints(local);
  await stopLocal(local);
});

const serverless = (config: {
  MemorySizeInMB?: number;
  MaxConcurrency?: number;
  ProvisionedConcurrency?: number;
}) =>
  deploy(local, archive, {
    variants: [
      {
        InstanceType: undefined,
        InitialInstanceCount: undefined,
        ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 2, ...config },
      },
    ],
  });

const invoke = (EndpointName: string, document: unknown, client = local.runtimeOnce) =>
  client.send(
    new InvokeEndpointCommand({
      EndpointName,
      ContentType: "application/json",
      Body: JSON.stringify(document),
    }),
  );

const timed = async <T>(work: () => Promise<T>): Promise<number> => {
  const begun = performance.now();
  await work();
  return performance.now() - begun;
};

describe("a serverless endpoint", () => {
  it("starts no container until the first request, which is a cold start, and reuses it warm", async () => {
    const { endpoint } = await serverless({});
    expect(containerPids(local.stateDir, endpoint)).toEqual([]);
    const described = await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    const variant = described.ProductionVariants?.[0];
    expect(variant?.CurrentServerlessConfig).toEqual({ MemorySizeInMB: 1024, MaxConcurrency: 2 });
    expect(variant?.DesiredServerlessConfig).toEqual({ MemorySizeInMB: 1024, MaxConcurrency: 2 });
    expect(variant?.CurrentInstanceCount).toBeUndefined();

    const cold = await timed(() => invoke(endpoint, { inputs: "최고의 영화" }));
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(1);
    const warm = await timed(() => invoke(endpoint, { inputs: "최고의 영화" }));
    expect(cold).toBeGreaterThan(warm);
    const answer = await invoke(endpoint, { inputs: "최고의 영화" });
    expect(JSON.parse(Buffer.from(answer.Body ?? []).toString())).toEqual([
      { label: "positive", score: 0.9 },
    ]);
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(1);
  });

  it("runs one request per container, grows to MaxConcurrency, and throttles beyond it", async () => {
    const { endpoint } = await serverless({ MaxConcurrency: 2 });
    const busy = [
      invoke(endpoint, { inputs: "a", waitMs: 1500 }),
      invoke(endpoint, { inputs: "b", waitMs: 1500 }),
    ];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await invoke(endpoint, { inputs: "c" }).catch((error: Error) => error);
    expect(refused).toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
    expect((refused as Error).message).toMatch(/MaxConcurrency/);
    await Promise.all(busy);
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(2);
    // Free again: the next request is served by a warm container.
    await expect(invoke(endpoint, { inputs: "d" })).resolves.toBeDefined();
  });

  it("stops an idle container after the idle time; the next request is cold again", async () => {
    const { endpoint } = await serverless({});
    await invoke(endpoint, { inputs: "x" });
    const [pid] = containerPids(local.stateDir, endpoint);
    expect(pid).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS + 1_000));
    expect(alive(pid as number)).toBe(false);
    expect(containerPids(local.stateDir, endpoint)).toEqual([]);
    await invoke(endpoint, { inputs: "x" });
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(1);
  });

  it("keeps ProvisionedConcurrency containers warm from the start and past the idle time", async () => {
    const { endpoint } = await serverless({ MaxConcurrency: 3, ProvisionedConcurrency: 1 });
    const [warm] = containerPids(local.stateDir, endpoint);
    expect(warm).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS + 500));
    expect(alive(warm as number)).toBe(true);
    await invoke(endpoint, { inputs: "x" });
    expect(containerPids(local.stateDir, endpoint)).toEqual([warm]);
  });

  it("caps a container's heap at MemorySizeInMB: a model that needs more fails the request and the endpoint serves on", async () => {
    const hungry = await putArchive(
      local,
      await modelArchive({
        "code/inference.ts": `${SLOW_MODEL}
export async function inputFn(body: string) {
  const data = JSON.parse(body);
  if (data.hog) { const kept: number[][] = []; for (;;) kept.push(new Array(1_000_000).fill(1.5)); }
  return data;
}`,
      }),
    );
    const { endpoint } = await deploy(local, hungry, {
      variants: [
        {
          InstanceType: undefined,
          InitialInstanceCount: undefined,
          ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 },
        },
      ],
    });
    const failed = await invoke(endpoint, { inputs: "x", hog: true }).catch((error: Error) => error);
    expect(failed).toMatchObject({ name: "ModelError", $metadata: { httpStatusCode: 424 } });
    expect((failed as Error).message).toMatch(/ran out of memory.*1024 MB.*larger MemorySizeInMB/);
    await expect(invoke(endpoint, { inputs: "최고" })).resolves.toBeDefined();
    const described = await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(described.EndpointStatus).toBe("InService");
  }, 60_000);

  it("switches between instances and serverless with UpdateEndpoint", async () => {
    const { endpoint, model } = await deploy(local, archive);
    const config = unique("c");
    await local.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: config,
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: model,
            ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 1 },
          },
        ],
      }),
    );
    await local.sm.send(new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: config }));
    const described = await settled(local, endpoint);
    expect(described.EndpointStatus).toBe("InService");
    expect(described.ProductionVariants?.[0]?.CurrentServerlessConfig).toEqual({
      MemorySizeInMB: 2048,
      MaxConcurrency: 1,
    });
    expect(containerPids(local.stateDir, endpoint)).toEqual([]);
    await expect(invoke(endpoint, { inputs: "x" })).resolves.toBeDefined();
  });

  it("changes MaxConcurrency and ProvisionedConcurrency with ServerlessUpdateConfig, not DesiredInstanceCount", async () => {
    const { endpoint } = await serverless({ MaxConcurrency: 1 });
    await expect(
      local.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: endpoint,
          DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 2 }],
        }),
      ),
    ).rejects.toThrow(/serverless.*ServerlessUpdateConfig/);
    await local.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpoint,
        DesiredWeightsAndCapacities: [
          {
            VariantName: "AllTraffic",
            ServerlessUpdateConfig: { MaxConcurrency: 2, ProvisionedConcurrency: 1 },
          },
        ],
      }),
    );
    const described = await settled(local, endpoint);
    expect(described.ProductionVariants?.[0]?.CurrentServerlessConfig).toEqual({
      MemorySizeInMB: 1024,
      MaxConcurrency: 2,
      ProvisionedConcurrency: 1,
    });
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(1);
  });
});

describe("serverless configuration rules", () => {
  const create = (ServerlessConfig: object, extra: object = {}) =>
    (async () => {
      const model = unique("m");
      await local.sm.send(
        new CreateModelCommand({
          ModelName: model,
          ExecutionRoleArn: "arn:aws:iam::000000000000:role/local",
          PrimaryContainer: { Image: IMAGE, ModelDataUrl: archive },
        }),
      );
      return local.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: unique("c"),
          ProductionVariants: [
            {
              VariantName: "AllTraffic",
              ModelName: model,
              ServerlessConfig: ServerlessConfig as ProductionVariantServerlessConfig,
              ...extra,
            },
          ],
        }),
      );
    })();

  it.each([
    [{ MemorySizeInMB: 1500, MaxConcurrency: 1 }, {}, /MemorySizeInMB 1500.*1024, 2048/],
    [{ MemorySizeInMB: 512, MaxConcurrency: 1 }, {}, /memorySizeInMB.*greater than or equal to 1024/],
    [{ MemorySizeInMB: 1024, MaxConcurrency: 0 }, {}, /maxConcurrency.*greater than or equal to 1/],
    [
      { MemorySizeInMB: 1024, MaxConcurrency: 2, ProvisionedConcurrency: 3 },
      {},
      /ProvisionedConcurrency 3.*MaxConcurrency 2/,
    ],
    [{ MemorySizeInMB: 1024, MaxConcurrency: 2 }, { InitialInstanceCount: 1 }, /ServerlessConfig and also/],
  ])("refuses %j %j", async (config, extra, message) => {
    await expect(create(config, extra)).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringMatching(message),
    });
  });
});
