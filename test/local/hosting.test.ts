import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  alive,
  containerPids,
  deleteAllEndpoints,
  deleteEndpoint,
  deploy,
  HAVE_SPEC,
  IMAGE,
  KEYWORD_MODEL,
  type Local,
  missingRequired,
  modelArchive,
  putArchive,
  rawArchive,
  settled,
  startLocal,
  stopLocal,
  unique,
} from "./hosting-fixtures";

/** Models, endpoint configs and endpoints through the real SageMaker client, against local SageMaker. */

let local: Local;
let keywordArchive: Buffer;

beforeAll(async () => {
  local = await startLocal();
  keywordArchive = await modelArchive({ "code/inference.ts": KEYWORD_MODEL });
});
afterEach(() => deleteAllEndpoints(local));
afterAll(() => stopLocal(local));

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: failure.name, message: failure.message, status: failure.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

const invokeText = async (endpoint: string, text: string, target?: string) => {
  const answer = await local.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpoint,
      ContentType: "application/json",
      Body: JSON.stringify({ inputs: text }),
      TargetVariant: target,
    }),
  );
  return {
    variant: answer.InvokedProductionVariant,
    body: JSON.parse(Buffer.from(answer.Body ?? []).toString()),
  };
};

describe("models", () => {
  it("creates, describes, lists and deletes a model, with AWS's errors for duplicates and missing models", async () => {
    const name = unique("Model");
    const created = await local.sm.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/local",
        PrimaryContainer: {
          Image: IMAGE,
          ModelDataUrl: "s3://hosting-tests/x/model.tar.gz",
          Environment: { A: "1" },
        },
        Tags: [{ Key: "lab", Value: "hosting" }],
      }),
    );
    expect(created.ModelArn).toBe(
      `arn:aws:sagemaker:ap-northeast-2:000000000000:model/${name.toLowerCase()}`,
    );
    const described = await local.sm.send(new DescribeModelCommand({ ModelName: name }));
    expect(described).toMatchObject({
      ModelName: name,
      ModelArn: created.ModelArn,
      PrimaryContainer: { Image: IMAGE, Environment: { A: "1" } },
    });
    expect(described.CreationTime).toBeInstanceOf(Date);
    if (HAVE_SPEC) expect(missingRequired("DescribeModelOutput", described)).toEqual([]);

    const duplicate = await errorOf(
      local.sm.send(new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: IMAGE } })),
    );
    expect(duplicate).toMatchObject({ name: "ValidationException", status: 400 });
    expect(duplicate.message).toBe(`Cannot create already existing model "${created.ModelArn}".`);

    const listed = await local.sm.send(
      new ListModelsCommand({ NameContains: name.slice(0, 12), MaxResults: 100 }),
    );
    expect(listed.Models?.map((model) => model.ModelName)).toContain(name);
    if (HAVE_SPEC) expect(missingRequired("ListModelsOutput", listed)).toEqual([]);

    await local.sm.send(new DeleteModelCommand({ ModelName: name }));
    const missing = await errorOf(local.sm.send(new DescribeModelCommand({ ModelName: name })));
    expect(missing).toMatchObject({
      name: "ValidationException",
      message: `Could not find model "${created.ModelArn}".`,
    });
    expect((await errorOf(local.sm.send(new DeleteModelCommand({ ModelName: name })))).name).toBe(
      "ValidationException",
    );
  });

  it("pages ListModels with NextToken and sorts by name", async () => {
    const prefix = unique("page");
    for (const suffix of ["c", "a", "b"]) {
      await local.sm.send(
        new CreateModelCommand({ ModelName: `${prefix}-${suffix}`, PrimaryContainer: { Image: IMAGE } }),
      );
    }
    const first = await local.sm.send(
      new ListModelsCommand({ NameContains: prefix, SortBy: "Name", SortOrder: "Ascending", MaxResults: 2 }),
    );
    expect(first.Models?.map((model) => model.ModelName)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    const second = await local.sm.send(
      new ListModelsCommand({
        NameContains: prefix,
        SortBy: "Name",
        SortOrder: "Ascending",
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Models?.map((model) => model.ModelName)).toEqual([`${prefix}-c`]);
    expect(second.NextToken).toBeUndefined();
  });
});

describe("endpoint configs", () => {
  it("creates, describes, lists and deletes a config; refuses duplicates and unknown models", async () => {
    const model = unique("m");
    await local.sm.send(new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: IMAGE } }));
    const name = unique("Config");
    const created = await local.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: model,
            InitialInstanceCount: 1,
            InstanceType: "ml.m5.large",
          },
        ],
      }),
    );
    expect(created.EndpointConfigArn).toBe(
      `arn:aws:sagemaker:ap-northeast-2:000000000000:endpoint-config/${name.toLowerCase()}`,
    );
    const described = await local.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    expect(described.ProductionVariants).toEqual([
      {
        VariantName: "AllTraffic",
        ModelName: model,
        InitialInstanceCount: 1,
        InstanceType: "ml.m5.large",
        InitialVariantWeight: 1,
      },
    ]);
    if (HAVE_SPEC) expect(missingRequired("DescribeEndpointConfigOutput", described)).toEqual([]);
    const listed = await local.sm.send(new ListEndpointConfigsCommand({ NameContains: name }));
    expect(listed.EndpointConfigs?.map((config) => config.EndpointConfigName)).toEqual([name]);

    const duplicate = await errorOf(
      local.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: name,
          ProductionVariants: [{ VariantName: "v", ModelName: model, InitialInstanceCount: 1 }],
        }),
      ),
    );
    expect(duplicate).toMatchObject({
      name: "ValidationException",
      message: `Cannot create already existing endpoint configuration "${created.EndpointConfigArn}".`,
    });
    const unknownModel = await errorOf(
      local.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: unique("c"),
          ProductionVariants: [{ VariantName: "v", ModelName: "no-such-model", InitialInstanceCount: 1 }],
        }),
      ),
    );
    expect(unknownModel).toMatchObject({
      name: "ValidationException",
      message: 'Could not find model "arn:aws:sagemaker:ap-northeast-2:000000000000:model/no-such-model".',
    });
    const repeated = await errorOf(
      local.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: unique("c"),
          ProductionVariants: [
            { VariantName: "v", ModelName: model, InitialInstanceCount: 1 },
            { VariantName: "v", ModelName: model, InitialInstanceCount: 1 },
          ],
        }),
      ),
    );
    expect(repeated.message).toMatch(/variant "v" more than once/);

    await local.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
    expect(
      (await errorOf(local.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })))).message,
    ).toBe(`Could not find endpoint configuration "${created.EndpointConfigArn}".`);
  });
});

describe("endpoints", () => {
  it("answers CreateEndpoint with Creating, reaches InService for the SDK waiter, and DeleteEndpoint stops its containers", async () => {
    const { endpoint, config } = await deploy(local, keywordArchive, { wait: false });
    const creating = await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(creating.EndpointStatus).toBe("Creating");
    expect(creating.PendingDeploymentSummary?.EndpointConfigName).toBe(config);
    await waitUntilEndpointInService(
      { client: local.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { EndpointName: endpoint },
    );

    const described = await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(described).toMatchObject({
      EndpointName: endpoint,
      EndpointConfigName: config,
      EndpointStatus: "InService",
    });
    expect(described.ProductionVariants?.[0]).toMatchObject({
      VariantName: "AllTraffic",
      CurrentWeight: 1,
      CurrentInstanceCount: 1,
      DesiredInstanceCount: 1,
      DeployedImages: [{ SpecifiedImage: IMAGE }],
    });
    if (HAVE_SPEC) expect(missingRequired("DescribeEndpointOutput", described)).toEqual([]);
    const listed = await local.sm.send(
      new ListEndpointsCommand({ NameContains: endpoint, StatusEquals: "InService" }),
    );
    expect(listed.Endpoints?.map((summary) => summary.EndpointName)).toEqual([endpoint]);
    if (HAVE_SPEC) expect(missingRequired("ListEndpointsOutput", listed)).toEqual([]);

    const pids = containerPids(local.stateDir);
    expect(pids).toHaveLength(1);
    const duplicate = await errorOf(
      local.sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: config })),
    );
    expect(duplicate).toMatchObject({
      name: "ValidationException",
      message: `Cannot create already existing endpoint "${described.EndpointArn}".`,
    });

    await local.sm.send(new DeleteEndpointCommand({ EndpointName: endpoint }));
    expect(["Deleting", undefined]).toContain(
      (
        await local.sm
          .send(new DescribeEndpointCommand({ EndpointName: endpoint }))
          .catch(() => ({ EndpointStatus: undefined }))
      ).EndpointStatus,
    );
    await deleteEndpoint(local, endpoint).catch(() => undefined);
    const gone = await errorOf(local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint })));
    expect(gone).toMatchObject({
      name: "ValidationException",
      message: `Could not find endpoint "${described.EndpointArn}".`,
    });
    expect(pids.filter(alive)).toEqual([]);
    expect(containerPids(local.stateDir)).toEqual([]);
  });

  it("refuses an unknown endpoint config and a missing endpoint with ValidationException", async () => {
    const unknownConfig = await errorOf(
      local.sm.send(new CreateEndpointCommand({ EndpointName: unique("e"), EndpointConfigName: "nope" })),
    );
    expect(unknownConfig).toMatchObject({
      name: "ValidationException",
      message:
        'Could not find endpoint configuration "arn:aws:sagemaker:ap-northeast-2:000000000000:endpoint-config/nope".',
    });
    expect(
      (await errorOf(local.sm.send(new DeleteEndpointCommand({ EndpointName: "nope" })))).message,
    ).toMatch(/^Could not find endpoint /);
    expect(
      (
        await errorOf(
          local.sm.send(new UpdateEndpointCommand({ EndpointName: "nope", EndpointConfigName: "x" })),
        )
      ).name,
    ).toBe("ValidationException");
  });

  it("answers ResourceLimitExceeded when an endpoint would run more containers than the local limit", async () => {
    const model = unique("m");
    await local.sm.send(new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: IMAGE } }));
    const config = unique("c");
    await local.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: config,
        ProductionVariants: [
          { VariantName: "big", ModelName: model, InitialInstanceCount: 9, InstanceType: "ml.m5.large" },
        ],
      }),
    );
    const error = await errorOf(
      local.sm.send(new CreateEndpointCommand({ EndpointName: unique("e"), EndpointConfigName: config })),
    );
    expect(error.name).toBe("ResourceLimitExceeded");
    expect(error.message).toMatch(/at most 8 container instances/);
  });

  it("fails an endpoint whose image local SageMaker cannot run, with the reason", async () => {
    const { endpoint } = await deploy(local, keywordArchive, {
      image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-own:latest",
      wait: false,
    });
    const described = await settled(local, endpoint);
    expect(described.EndpointStatus).toBe("Failed");
    expect(described.FailureReason).toMatch(
      /Variant AllTraffic: Image repository "my-own" is not a Hugging Face DLC/,
    );
  });

  it("fails an endpoint whose model cannot load, quoting the error (a handler exporting both kinds of functions)", async () => {
    const archive = await modelArchive({
      "code/inference.ts": "export const transformFn = () => 'x';\nexport const predictFn = () => 'y';\n",
    });
    const { endpoint } = await deploy(local, archive, { wait: false });
    const described = await settled(local, endpoint);
    expect(described.EndpointStatus).toBe("Failed");
    expect(described.FailureReason).toMatch(
      /exports transformFn and also predictFn: export either transformFn \(with modelFn, if you like\) or any of/,
    );
    expect(containerPids(local.stateDir)).toEqual([]);
  });

  it("fails an endpoint whose model archive is missing from S3", async () => {
    const { endpoint } = await deploy(local, "s3://hosting-tests/missing/model.tar.gz", { wait: false });
    const described = await settled(local, endpoint);
    expect(described.EndpointStatus).toBe("Failed");
    expect(described.FailureReason).toMatch(
      /could not download ModelDataUrl s3:\/\/hosting-tests\/missing\/model.tar.gz \(NoSuchKey/,
    );
  });

  it.each([
    [
      "an entry climbing out with ../",
      [{ path: "../escaped.txt", body: "x" }],
      /entry "..\/escaped.txt" climbs out/,
    ],
    [
      "an absolute path",
      [{ path: "/tmp/absolute-entry.txt", body: "x" }],
      /entry "\/tmp\/absolute-entry.txt" has an absolute path/,
    ],
    [
      "a symbolic link that escapes",
      [{ path: "code/link", type: "SymbolicLink" as const, linkpath: "../../../../etc" }],
      /link "code\/link" points outside the model folder/,
    ],
    [
      "a hard link to an absolute path",
      [{ path: "passwd", type: "Link" as const, linkpath: "/etc/passwd" }],
      /link "passwd" points at the absolute path/,
    ],
  ])("fails an endpoint whose model archive has %s, extracting nothing", async (_label, entries, reason) => {
    const url = await putArchive(
      local,
      rawArchive([{ path: "code/inference.ts", body: KEYWORD_MODEL }, ...entries]),
    );
    const { endpoint } = await deploy(local, url, { wait: false });
    const described = await settled(local, endpoint);
    expect(described.EndpointStatus).toBe("Failed");
    expect(described.FailureReason).toMatch(reason);
    expect(described.FailureReason).toMatch(/The model archive is unsafe/);
  });

  it("updates an endpoint to a new config all at once: Updating, then the new model serves and the old containers are gone", async () => {
    const { endpoint } = await deploy(local, keywordArchive);
    const before = containerPids(local.stateDir);
    const flipped = await modelArchive({
      "code/inference.ts":
        "export const modelFn = () => null;\nexport const predictFn = () => [{ label: 'updated', score: 1 }];\n",
    });
    const next = await deploy(local, flipped, { wait: false });
    await deleteEndpoint(local, next.endpoint);
    await local.sm.send(
      new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: next.config }),
    );
    expect(
      (await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointStatus,
    ).toBe("Updating");
    // The old model keeps answering while the new containers start.
    expect((await invokeText(endpoint, "좋아요")).body[0].label).toBe("positive");
    const described = await settled(local, endpoint);
    expect(described).toMatchObject({ EndpointStatus: "InService", EndpointConfigName: next.config });
    expect((await invokeText(endpoint, "좋아요")).body).toEqual([{ label: "updated", score: 1 }]);
    expect(before.filter(alive)).toEqual([]);

    await local.sm.send(new DeleteEndpointCommand({ EndpointName: endpoint }));
    const busy = await errorOf(
      local.sm.send(new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: next.config })),
    );
    expect(busy.name).toBe("ValidationException");
  });

  it("rolls a failed update back: the old model keeps serving and FailureReason says why", async () => {
    const { endpoint, config } = await deploy(local, keywordArchive);
    const broken = await deploy(local, keywordArchive, { image: "busybox:latest", wait: false });
    await local.sm.send(
      new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: broken.config }),
    );
    const described = await settled(local, endpoint);
    expect(described).toMatchObject({ EndpointStatus: "InService", EndpointConfigName: config });
    expect(described.FailureReason).toMatch(/failed and was rolled back: .*busybox/);
    expect((await invokeText(endpoint, "최고")).body[0].label).toBe("positive");
  });

  it("scales a variant with UpdateEndpointWeightsAndCapacities and refuses unknown variant names", async () => {
    const { endpoint } = await deploy(local, keywordArchive);
    await local.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpoint,
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 2 }],
      }),
    );
    const described = await settled(local, endpoint);
    expect(described.ProductionVariants?.[0]).toMatchObject({
      CurrentInstanceCount: 2,
      DesiredInstanceCount: 2,
    });
    expect(containerPids(local.stateDir)).toHaveLength(2);
    const unknown = await errorOf(
      local.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: endpoint,
          DesiredWeightsAndCapacities: [{ VariantName: "Nope", DesiredWeight: 1 }],
        }),
      ),
    );
    expect(unknown).toMatchObject({ name: "ValidationException" });
    expect(unknown.message).toMatch(/Nope are not part of endpoint/);
  });

  it("sends container output to CloudWatch Logs, one stream per variant instance", async () => {
    const { endpoint } = await deploy(local, keywordArchive);
    const group = `/aws/sagemaker/Endpoints/${endpoint}`;
    const streams = await local.logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    expect(streams.logStreams?.map((stream) => stream.logStreamName)).toEqual([
      expect.stringMatching(/^AllTraffic\/i-[0-9a-f]{17}$/),
    ]);
    const events = await local.logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: streams.logStreams?.[0]?.logStreamName,
        startFromHead: true,
      }),
    );
    expect(events.events?.map((event) => event.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Inference server listening on 127\.0\.0\.1:\d+\.$/)]),
    );
  });
});

describe("server restart", () => {
  it("brings an InService endpoint back with fresh containers; stop() leaves no container running", async () => {
    const { endpoint } = await deploy(local, keywordArchive);
    const before = containerPids(local.stateDir);
    const stateDir = local.stateDir;
    await stopLocal(local, false);
    expect(before.filter(alive)).toEqual([]);
    local = await startLocal(stateDir);
    const described = await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(described.EndpointStatus).toBe("InService");
    expect((await invokeText(endpoint, "재미있어요")).body[0].label).toBe("positive");
    const after = containerPids(stateDir);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });

  it("finishes an endpoint that was Creating when the server stopped, and stop() leaves none of its containers behind", async () => {
    const { endpoint } = await deploy(local, keywordArchive, { wait: false });
    const stateDir = local.stateDir;
    await stopLocal(local, false);
    expect(containerPids(stateDir)).toEqual([]);
    local = await startLocal(stateDir);
    const described = await settled(local, endpoint);
    expect(described.EndpointStatus).toBe("InService");
    expect((await invokeText(endpoint, "좋아요")).body[0].label).toBe("positive");
  });
});
