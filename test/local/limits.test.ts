import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AddTagsCommand, CreateModelCommand, ListTagsCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../support/local-clients";
import { signedRequest } from "../support/signed-request";
import { deploy, IMAGE, type Local, modelArchive, startLocal, stopLocal } from "./hosting-fixtures";

/**
 * SageMaker's limits, through the server and the SDK: a real-time answer is at most 6 MiB (a bigger one is a
 * ModelError saying so, as SageMaker answers), a resource carries at most 50 tags and a tag value at most 256
 * characters (the Smithy shapes TagList and TagValue); a refused request stores nothing, and its error lists a
 * handful of violations however many there are.
 */

const SIX_MIB = 6 * 1024 * 1024;
const ROLE = "arn:aws:iam::000000000000:role/local";

let local: Local;
let endpoint: string;
let modelArn: string;

/** Answers `size` bytes, the size given in the request body. */
const SIZED_HANDLER = `
exports.modelFn = () => ({});
exports.transformFn = (model, body) => ({ body: "x".repeat(Number(body)), contentType: "text/plain" });
`;

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & {
      $metadata: { httpStatusCode?: number };
      OriginalStatusCode?: number;
      OriginalMessage?: string;
    };
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  local = await startLocal();
  ({ endpoint } = await deploy(local, await modelArchive({ "code/inference.js": SIZED_HANDLER })));
  const created = await local.sm.send(
    new CreateModelCommand({
      ModelName: "tag-limits",
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE },
      Tags: [{ Key: "lab", Value: "limits" }],
    }),
  );
  modelArn = created.ModelArn as string;
});

afterAll(() => stopLocal(local));

const invoke = (size: number) =>
  local.runtimeOnce.send(
    new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: "text/plain", Body: String(size) }),
  );

describe("a real-time answer is at most 6 MiB", () => {
  it("passes an answer of exactly 6 MiB", async () => {
    const answer = await invoke(SIX_MIB);
    expect(answer.Body?.length).toBe(SIX_MIB);
  });

  it("answers ModelError 424 for an answer one byte over, saying it is over the limit", async () => {
    const error = await failure(invoke(SIX_MIB + 1));
    expect(error.name).toBe("ModelError");
    expect(error.$metadata.httpStatusCode).toBe(424);
    expect(error.message).toContain(
      `The response is ${SIX_MIB + 1} bytes, over the ${SIX_MIB}-byte limit. Answer less per request, or use batch transform or asynchronous inference.`,
    );
    expect(error.OriginalStatusCode).toBe(0);
    // The endpoint still answers afterwards.
    expect((await invoke(10)).Body?.length).toBe(10);
  });
});

describe("tags", () => {
  const tagsNow = async () => (await local.sm.send(new ListTagsCommand({ ResourceArn: modelArn }))).Tags;

  it("refuses more than 50 tags in one AddTags or CreateModel by TagList's length, storing none", async () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const add = await failure(local.sm.send(new AddTagsCommand({ ResourceArn: modelArn, Tags: tags })));
    expect(add.name).toBe("ValidationException");
    expect(add.$metadata.httpStatusCode).toBe(400);
    expect(add.message).toMatch(
      /^1 validation error detected: Value '.*' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50$/,
    );
    expect(await tagsNow()).toEqual([{ Key: "lab", Value: "limits" }]);
    const create = await failure(
      local.sm.send(
        new CreateModelCommand({
          ModelName: "too-many-tags",
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: IMAGE },
          Tags: tags,
        }),
      ),
    );
    expect(create.name).toBe("ValidationException");
    expect(create.message).toContain("Member must have length less than or equal to 50");
    // Nothing of the refused model was kept: no record, no tags.
    expect(readdirSync(join(local.stateDir, "sagemaker-models"))).not.toContain("too-many-tags.json");
    expect(readdirSync(join(local.stateDir, "sagemaker-tags")).join()).not.toContain("too-many-tags");
  });

  it("refuses a tag value of 350,000 characters by TagValue's length before anything is stored", async () => {
    const before = readFileSync(
      join(local.stateDir, "sagemaker-tags", `${encodeURIComponent(modelArn)}.json`),
      "utf8",
    );
    const error = await failure(
      local.sm.send(
        new AddTagsCommand({ ResourceArn: modelArn, Tags: [{ Key: "huge", Value: "v".repeat(350_000) }] }),
      ),
    );
    expect(error.name).toBe("ValidationException");
    expect(error.message).toContain(
      "at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
    // The message quotes no 350,000-character value back.
    expect(error.message.length).toBeLessThan(2_000);
    expect(await tagsNow()).toEqual([{ Key: "lab", Value: "limits" }]);
    expect(
      readFileSync(join(local.stateDir, "sagemaker-tags", `${encodeURIComponent(modelArn)}.json`), "utf8"),
    ).toBe(before);
  });

  it("answers 350,000 bad tags with a short error that lists a handful and counts the rest", async () => {
    const tags = Array.from({ length: 350_000 }, (_, i) => ({ Key: `k${i}`, Value: "\u0000" }));
    const answer = await signedRequest(local.server.url, {
      service: "sagemaker",
      path: "/",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "SageMaker.AddTags" },
      body: JSON.stringify({ ResourceArn: modelArn, Tags: tags }),
      credentials: clientConfig(local.server).credentials,
    });
    expect(answer.status).toBe(400);
    expect(answer.text.length).toBeLessThan(10_000);
    const body = JSON.parse(answer.text) as { __type: string; message: string };
    expect(body.__type).toBe("ValidationException");
    expect(body.message).toMatch(/^\d+ validation errors detected: /);
    expect(body.message).toContain("at 'tags' failed to satisfy constraint: Member must have length");
    expect(body.message).toMatch(/and \d+ more/);
    expect(await tagsNow()).toEqual([{ Key: "lab", Value: "limits" }]);
  });
});
