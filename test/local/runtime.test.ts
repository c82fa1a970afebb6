import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, type InvokeEndpointCommandInput } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { saveTinySentimentModel } from "../support/tiny-sentiment";
import {
  alive,
  containerPids,
  deleteAllEndpoints,
  deploy,
  KEYWORD_MODEL,
  type Local,
  modelArchive,
  settled,
  startLocal,
  stopLocal,
} from "./hosting-fixtures";

/** InvokeEndpoint through the real SageMaker Runtime client: formats, handlers, variants, errors, faults. */

let local: Local;
let keywordEndpoint: string;

beforeAll(async () => {
  local = await startLocal();
  keywordEndpoint = (await deploy(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL })))
    .endpoint;
});
afterEach(() => deleteAllEndpoints(local, [keywordEndpoint]));
afterAll(async () => {
  await deleteAllEndpoints(local);
  await stopLocal(local);
});

async function invoke(
  input: Omit<InvokeEndpointCommandInput, "Body"> & { Body: string },
  client = local.runtime,
) {
  const answer = await client.send(new InvokeEndpointCommand(input));
  return {
    text: Buffer.from(answer.Body ?? []).toString("utf8"),
    contentType: answer.ContentType,
    variant: answer.InvokedProductionVariant,
    customAttributes: answer.CustomAttributes,
  };
}

async function failure(
  input: Omit<InvokeEndpointCommandInput, "Body"> & { Body: string },
  client = local.runtimeOnce,
) {
  try {
    await client.send(new InvokeEndpointCommand(input));
  } catch (error) {
    return error as Error & {
      $metadata: { httpStatusCode?: number };
      OriginalStatusCode?: number;
      OriginalMessage?: string;
      LogStreamArn?: string;
    };
  }
  throw new Error("expected InvokeEndpoint to fail");
}

const json = (
  EndpointName: string,
  document: unknown,
  extra: Partial<Omit<InvokeEndpointCommandInput, "Body">> = {},
) => ({
  EndpointName,
  ContentType: "application/json",
  Body: JSON.stringify(document),
  ...extra,
});

describe("built-in inference server formats (Hugging Face toolkit conventions)", () => {
  it("answers JSON inputs: one label per text, a flat list for a lone string", async () => {
    const one = await invoke(json(keywordEndpoint, { inputs: "정말 재미있어요" }));
    expect(one.contentType).toBe("application/json");
    expect(JSON.parse(one.text)).toEqual([{ label: "positive", score: 0.9 }]);
    const many = await invoke(json(keywordEndpoint, { inputs: ["최고예요", "지루했다"] }));
    expect(JSON.parse(many.text)).toEqual([
      { label: "positive", score: 0.9 },
      { label: "negative", score: 0.8 },
    ]);
  });

  it("ranks labels with top_k and return_all_scores", async () => {
    const ranked = await invoke(json(keywordEndpoint, { inputs: "지루했다", parameters: { top_k: 2 } }));
    expect(JSON.parse(ranked.text)).toEqual([
      { label: "negative", score: 0.8 },
      { label: "positive", score: 0.2 },
    ]);
    const all = await invoke(
      json(keywordEndpoint, { inputs: ["좋다", "별로"], parameters: { return_all_scores: true } }),
    );
    expect(JSON.parse(all.text)).toHaveLength(2);
    expect(JSON.parse(all.text)[1]).toEqual([
      { label: "negative", score: 0.8 },
      { label: "positive", score: 0.2 },
    ]);
  });

  it("answers a JSON Lines body record by record: one line per record (no toolkit MultiRecord bug)", async () => {
    const answer = await invoke({
      EndpointName: keywordEndpoint,
      ContentType: "application/jsonlines",
      Accept: "application/jsonlines",
      Body: '{"inputs": "최고"}\n{"text": ["좋아요", "별로"]}\n{"inputs": "지루했다"}\n',
    });
    expect(answer.contentType).toBe("application/jsonlines");
    expect(answer.text.split("\n").map((line) => JSON.parse(line))).toEqual([
      [{ label: "positive", score: 0.9 }],
      [
        { label: "positive", score: 0.9 },
        { label: "negative", score: 0.8 },
      ],
      [{ label: "negative", score: 0.8 }],
    ]);
  });

  it("reads CSV rows (or an inputs column under a header) and answers CSV with the toolkit's header", async () => {
    const rows = await invoke({
      EndpointName: keywordEndpoint,
      ContentType: "text/csv",
      Accept: "text/csv",
      Body: '좋아요\n"별로, 다시는 안 봄"\n',
    });
    expect(rows.contentType).toBe("text/csv");
    expect(rows.text).toBe("label,score\npositive,0.9\nnegative,0.8\n");
    const column = await invoke({
      EndpointName: keywordEndpoint,
      ContentType: "text/csv",
      Body: "id,inputs\n1,최고\n2,지루했다\n",
    });
    expect(JSON.parse(column.text)).toEqual([
      { label: "positive", score: 0.9 },
      { label: "negative", score: 0.8 },
    ]);
  });

  it("answers an Accept it cannot write with the container's 415, and bytes that are not UTF-8 with 400", async () => {
    const accept = await failure(
      json(keywordEndpoint, { inputs: "x" }, { Accept: "application/x-protobuf" }),
    );
    expect(accept.name).toBe("ModelError");
    expect(accept.OriginalStatusCode).toBe(415);
    expect(JSON.parse(accept.OriginalMessage as string).message).toMatch(
      /Accept "application\/x-protobuf" is not supported/,
    );
    const bytes = await local.runtimeOnce
      .send(
        new InvokeEndpointCommand({
          EndpointName: keywordEndpoint,
          ContentType: "application/json",
          Body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        }),
      )
      .then(
        () => undefined,
        (error: Error & { OriginalStatusCode?: number; OriginalMessage?: string }) => error,
      );
    expect(bytes?.OriginalStatusCode).toBe(400);
    expect(bytes?.OriginalMessage).toMatch(/not valid UTF-8/);
  });

  it("turns bad input into ModelError 424 carrying the container's 400 and a message that names the fix", async () => {
    // A payload without "inputs" is the inputs, as in the toolkit: an object is not something to classify.
    const missing = await failure(json(keywordEndpoint, { text_input: "x" }));
    expect(missing.name).toBe("ModelError");
    expect(missing.$metadata.httpStatusCode).toBe(424);
    expect(missing.OriginalStatusCode).toBe(400);
    expect(JSON.parse(missing.OriginalMessage as string).message).toMatch(
      /"inputs" must be a string or a list of strings, got \{"text_input":"x"\}/,
    );
    expect(missing.LogStreamArn).toBe(
      `arn:aws:logs:ap-northeast-2:000000000000:log-group:/aws/sagemaker/Endpoints/${keywordEndpoint}`,
    );
    const broken = await failure({
      EndpointName: keywordEndpoint,
      ContentType: "application/json",
      Body: "{not json",
    });
    expect(broken.OriginalMessage).toMatch(/is not valid JSON/);
    const parameter = await failure(json(keywordEndpoint, { inputs: "x", parameters: { top_k: 0 } }));
    expect(JSON.parse(parameter.OriginalMessage as string).message).toMatch(
      /"top_k" must be a whole number of at least 1, got 0/,
    );
    const type = await failure({ EndpointName: keywordEndpoint, ContentType: "image/png", Body: "x" });
    expect(type.OriginalStatusCode).toBe(415);
    expect(JSON.parse(type.OriginalMessage as string).message).toMatch(
      /Content type "image\/png" is not supported/,
    );
    // The container keeps serving after bad input.
    expect(JSON.parse((await invoke(json(keywordEndpoint, { inputs: "좋다" }))).text)[0].label).toBe(
      "positive",
    );
    // The log group the error points at says what was rejected.
    let logged: string[] = [];
    for (let attempt = 0; attempt < 50 && logged.length === 0; attempt++) {
      const events = await local.logs.send(
        new FilterLogEventsCommand({
          logGroupName: `/aws/sagemaker/Endpoints/${keywordEndpoint}`,
          filterPattern: '"Rejected request (415): Content type"',
        }),
      );
      logged = (events.events ?? []).map((event) => event.message ?? "");
      if (logged.length === 0) await new Promise((done) => setTimeout(done, 50));
    }
    expect(logged[0]).toMatch(/Rejected request \(415\): Content type "image\/png" is not supported/);
  });

  it("passes custom attributes to the container and back, and names the variant that answered", async () => {
    const answer = await invoke(
      json(keywordEndpoint, { inputs: "좋다" }, { CustomAttributes: "trace=abc-1", InferenceId: "req-7" }),
    );
    expect(answer.customAttributes).toBe("trace=abc-1");
    expect(answer.variant).toBe("AllTraffic");
  });
});

describe("the project's classifier as the default model", () => {
  it("serves a model.tar.gz written by trainClassifier(...).save(dir), with no handler code", async () => {
    const dir = saveTinySentimentModel();
    const files = Object.fromEntries(
      readdirSync(dir).map((file) => [file, readFileSync(join(dir, file), "binary")]),
    );
    rmSync(dir, { recursive: true, force: true });
    const { endpoint } = await deploy(local, await modelArchive(files, "binary"));
    const answer = JSON.parse(
      (await invoke(json(endpoint, { inputs: ["최고의 영화 추천합니다", "지루하고 최악"] }))).text,
    );
    expect(answer.map((entry: { label: string }) => entry.label)).toEqual(["positive", "negative"]);
    expect(answer[0].score).toBeGreaterThan(0.5);
    const ranked = JSON.parse(
      (await invoke(json(endpoint, { inputs: "재미있어요", parameters: { top_k: 2 } }))).text,
    );
    expect(ranked.map((entry: { label: string }) => entry.label).sort()).toEqual(["negative", "positive"]);
  });

  it("fails the endpoint with the classifier's own message when the archive holds no model", async () => {
    const { endpoint } = await deploy(local, await modelArchive({ "README.txt": "no model here" }), {
      wait: false,
    });
    const described = await settled(local, endpoint);
    expect(described.EndpointStatus).toBe("Failed");
    expect(described.FailureReason).toMatch(/config\.json is missing/);
  });
});

describe("handler overrides in code/inference.(ts|js)", () => {
  it("uses inputFn/outputFn with the default predictFn, async, in JavaScript", async () => {
    const { endpoint } = await deploy(
      local,
      await modelArchive({
        "code/inference.js": `${"exports.modelFn = async () => ({ classify: (texts) => texts.map((t) => ({ label: t.length > 3 ? 'long' : 'short', score: 1 })), classifyAll: () => [] });"}
exports.inputFn = async (body, contentType) => ({ inputs: body.split('|') });
exports.outputFn = async (prediction, accept) => ({ body: prediction.map((r) => r.label).join('|'), contentType: 'text/plain' });`,
      }),
    );
    const answer = await invoke({ EndpointName: endpoint, ContentType: "text/plain", Body: "ab|abcdef" });
    expect(answer).toMatchObject({ text: "short|long", contentType: "text/plain" });
  });

  it("runs a predictFn ported from a toolkit handler that reads data['inputs'] (default input and output)", async () => {
    // Python (HF toolkit):
    //   def predict_fn(data, model):
    //       sentences = data.pop("inputs", data)
    //       return [{"label": p["label"].upper(), "length": len(s)} for s, p in zip(sentences, model(sentences))]
    const { endpoint } = await deploy(
      local,
      await modelArchive({
        "code/inference.ts": `${KEYWORD_MODEL}
export function predictFn(data: { inputs: string[] }, model: Awaited<ReturnType<typeof modelFn>>) {
  const sentences = data.inputs;
  return model.classify(sentences).map((p, i) => ({ label: p.label.toUpperCase(), length: sentences[i].length }));
}
`,
      }),
    );
    const answer = await invoke(json(endpoint, { inputs: ["정말 좋아요", "별로"] }));
    expect(JSON.parse(answer.text)).toEqual([
      { label: "POSITIVE", length: 6 },
      { label: "NEGATIVE", length: 2 },
    ]);
  });

  it('runs an inputFn ported from the Korean workshop\'s handler, which reads {"text": [...]} JSON Lines', async () => {
    // Python (inference_nsmc.py):
    //   def input_fn(input_data, content_type):
    //       return [json.loads(line)["text"][0] for line in input_data.splitlines() if line]
    //   def output_fn(predictions, accept):
    //       return "\n".join(json.dumps(p) for p in predictions)
    const { endpoint } = await deploy(
      local,
      await modelArchive({
        "code/inference.ts": `${KEYWORD_MODEL}
export function inputFn(body: string, contentType: string) {
  if (contentType !== "application/jsonlines") throw new Error(\`expected JSON Lines, got \${contentType}\`);
  return body.split("\\n").filter((line) => line.trim()).map((line) => JSON.parse(line).text[0]);
}
export function predictFn(texts: string[], model: Awaited<ReturnType<typeof modelFn>>) {
  return model.classify(texts).map((p) => ({ predicted_label: p.label === "positive" ? "Pos" : "Neg", score: p.score }));
}
export function outputFn(predictions: unknown[], accept: string) {
  return predictions.map((p) => JSON.stringify(p)).join("\\n");
}
`,
      }),
    );
    const answer = await invoke({
      EndpointName: endpoint,
      ContentType: "application/jsonlines",
      Accept: "application/jsonlines",
      Body: '{"text": ["이 영화는 최고의 영화입니다"]}\n{"text": ["지루했다"]}\n',
    });
    expect(answer.text.split("\n").map((line) => JSON.parse(line))).toEqual([
      { predicted_label: "Pos", score: 0.9 },
      { predicted_label: "Neg", score: 0.8 },
    ]);
    const wrongType = await failure(json(endpoint, { text: ["x"] }));
    expect(wrongType.OriginalMessage).toMatch(/expected JSON Lines, got application\/json/);
  });

  it("uses one transformFn (with its modelFn), which sees the model, content type, accept and custom attributes", async () => {
    const { endpoint } = await deploy(
      local,
      await modelArchive({
        "code/inference.ts": `
export const modelFn = async (modelDir: string) => ({ loadedFrom: modelDir.endsWith("/model") });
export async function transformFn(model: { loadedFrom: boolean }, body: Buffer, contentType: string, accept: string, context: { customAttributes?: string }) {
  return JSON.stringify({ model, echoed: body.toString(), contentType, accept, attributes: context.customAttributes });
}`,
      }),
    );
    const answer = await invoke({
      EndpointName: endpoint,
      ContentType: "text/plain",
      Accept: "application/json",
      CustomAttributes: "k=v",
      Body: "안녕",
    });
    expect(JSON.parse(answer.text)).toEqual({
      model: { loadedFrom: true },
      echoed: "안녕",
      contentType: "text/plain",
      accept: "application/json",
      attributes: "k=v",
    });
  });

  it("surfaces a handler exception as ModelError with the container's 400", async () => {
    const { endpoint } = await deploy(
      local,
      await modelArchive({
        "code/inference.ts":
          "export const modelFn = () => 1;\nexport function predictFn() { throw new Error('model says no'); }\n",
      }),
    );
    const error = await failure(json(endpoint, { inputs: "x" }));
    expect(error).toMatchObject({ name: "ModelError", OriginalStatusCode: 400 });
    expect(error.message).toMatch(
      /Received client error \(400\) from variant AllTraffic with message ".*model says no/,
    );
  });
});

describe("variants", () => {
  const labelling = (label: string) =>
    modelArchive({
      "code/inference.ts": `export const modelFn = () => 0;\nexport const predictFn = () => [{ label: "${label}", score: 1 }];\n`,
    });

  it("routes by weight, honours TargetVariant and follows UpdateEndpointWeightsAndCapacities", async () => {
    const blue = await deploy(local, await labelling("blue"), { wait: false });
    const green = await deploy(local, await labelling("green"), {
      variants: [
        { VariantName: "Blue", ModelName: blue.model, InitialVariantWeight: 1 },
        { VariantName: "Green", InitialVariantWeight: 0 },
      ],
    });
    const endpoint = green.endpoint;
    const seen = async (count: number, target?: string) => {
      const variants = new Set<string>();
      for (let i = 0; i < count; i++) {
        const answer = await invoke(json(endpoint, { inputs: "x" }, { TargetVariant: target }));
        expect(JSON.parse(answer.text)[0].label).toBe((answer.variant as string).toLowerCase());
        variants.add(answer.variant as string);
      }
      return [...variants].sort();
    };
    expect(await seen(20)).toEqual(["Blue"]);
    expect(await seen(3, "Green")).toEqual(["Green"]);

    await local.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpoint,
        DesiredWeightsAndCapacities: [
          { VariantName: "Blue", DesiredWeight: 1 },
          { VariantName: "Green", DesiredWeight: 1 },
        ],
      }),
    );
    const updated = await settled(local, endpoint);
    expect(
      updated.ProductionVariants?.map((variant) => [variant.VariantName, variant.CurrentWeight]),
    ).toEqual([
      ["Blue", 1],
      ["Green", 1],
    ]);
    // 60 draws at 50/50 miss a variant with probability 2^-59.
    expect(await seen(60)).toEqual(["Blue", "Green"]);

    const unknown = await failure(json(endpoint, { inputs: "x" }, { TargetVariant: "Red" }));
    expect(unknown.name).toBe("ValidationError");
    expect(unknown.$metadata.httpStatusCode).toBe(400);
    expect(unknown.message).toBe(
      `Variant Red not found for endpoint ${endpoint}; its variants are Blue, Green.`,
    );
  });
});

describe("runtime errors", () => {
  it("answers ValidationError for an unknown endpoint, an endpoint not in service, and a payload over 6 MiB", async () => {
    const unknown = await failure(json("no-such-endpoint", { inputs: "x" }));
    expect(unknown).toMatchObject({
      name: "ValidationError",
      message: "Endpoint no-such-endpoint of account 000000000000 not found.",
    });
    expect(unknown.$metadata.httpStatusCode).toBe(400);

    const creating = await deploy(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL }), {
      wait: false,
    });
    const early = await failure(json(creating.endpoint, { inputs: "x" }));
    expect(early.name).toBe("ValidationError");
    expect(early.message).toMatch(/is not in service \(status Creating\)/);

    const big = await failure({
      EndpointName: keywordEndpoint,
      ContentType: "text/csv",
      Body: "가".repeat(2_200_000),
    });
    expect(big.name).toBe("ValidationError");
    // The payload limit is the model's own constraint on Body, answered as the front end answers constraints.
    expect(big.message).toContain(
      "Value '6600000 bytes' at 'body' failed to satisfy constraint: Member must have length less than or equal to 6291456",
    );
  });
});

describe("timeouts", () => {
  it("answers ModelError after SAGEMAKER_MODEL_SERVER_TIMEOUT instead of hanging on a stuck container", async () => {
    const { endpoint } = await deploy(
      local,
      await modelArchive({
        "code/inference.ts":
          "export const modelFn = () => 0;\nexport const predictFn = () => new Promise((done) => setTimeout(() => done([]), 5000));\n",
      }),
      { environment: { SAGEMAKER_MODEL_SERVER_TIMEOUT: "1" } },
    );
    const started = Date.now();
    const error = await failure(json(endpoint, { inputs: "x" }));
    expect(Date.now() - started).toBeLessThan(4000);
    expect(error.name).toBe("ModelError");
    expect(error.message).toMatch(
      /Received server error \(0\) from variant AllTraffic with message "Your invocation timed out while waiting for a response from instance i-\w+: no answer within 1 s \(SAGEMAKER_MODEL_SERVER_TIMEOUT\)"/,
    );
  });
});

describe("supervision", () => {
  it("restarts a container killed mid-traffic: calls fail clearly, then succeed again", async () => {
    const { endpoint } = await deploy(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL }));
    const [victim] = containerPids(local.stateDir, endpoint);
    const call = () =>
      local.runtimeOnce.send(new InvokeEndpointCommand(json(endpoint, { inputs: "좋아요" })));
    await call();
    // Traffic in flight while the container dies.
    const traffic = Array.from({ length: 20 }, () =>
      call().then(
        () => "ok",
        (error: Error) => error.name,
      ),
    );
    process.kill(victim as number, "SIGKILL");
    const outcomes = await Promise.all(traffic);
    for (const outcome of outcomes)
      expect(["ok", "ServiceUnavailable", "ModelNotReadyException"]).toContain(outcome);
    const down = await call().then(
      () => undefined,
      (error: Error) => error,
    );
    if (down) {
      expect(["ServiceUnavailable", "ModelNotReadyException"]).toContain(down.name);
      expect(down.message).toMatch(/retry shortly/);
    }
    let answered = false;
    for (let attempt = 0; attempt < 100 && !answered; attempt++) {
      answered = await call().then(
        () => true,
        () => false,
      );
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answered).toBe(true);
    expect(alive(victim as number)).toBe(false);
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(1);
    expect((await settled(local, endpoint)).EndpointStatus).toBe("InService");
  });

  it("fails the endpoint with a reason when its container keeps dying", async () => {
    const { endpoint } = await deploy(
      local,
      await modelArchive({
        "code/inference.ts":
          "export const modelFn = () => 0;\nexport function predictFn() { process.exit(3); }\n",
      }),
    );
    for (let attempt = 0; attempt < 200; attempt++) {
      const status = (await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint })))
        .EndpointStatus;
      if (status === "Failed") break;
      await local.runtimeOnce
        .send(new InvokeEndpointCommand(json(endpoint, { inputs: "x" })))
        .catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const described = await settled(local, endpoint, ["InService", "Creating"]);
    expect(described.EndpointStatus).toBe("Failed");
    expect(described.FailureReason).toMatch(
      /Variant AllTraffic: Container i-[0-9a-f]{17} died 3 times within 60 s; last time it exited \(code 3\)/,
    );
    expect(containerPids(local.stateDir, endpoint)).toEqual([]);
  });
});
