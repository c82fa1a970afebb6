import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";
import { type SignedRequestOptions, signedRequest as signWith } from "../support/signed-request";

/**
 * The route table, request by request on the wire: each protocol reaches its service (X-Amz-Target for the JSON
 * services, the credential scope and URI templates for REST, S3 last), and a request for something this server
 * does not serve gets that protocol's own error saying what was not understood, never S3's by accident.
 */

let server: LocalServer;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "routes-"));
  server = await startLocalServer({ port: 0, stateDir });
});

/** Signed with the server's own key, as every client of it must be. */
const signedRequest = (url: string, options: SignedRequestOptions) =>
  signWith(url, { credentials: clientConfig(server).credentials, ...options });

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const json = (version: "1.0" | "1.1", target: string, body = "{}") => ({
  headers: { "content-type": `application/x-amz-json-${version}`, "x-amz-target": target },
  body,
});

describe("the route table", () => {
  it("sends X-Amz-Target requests to the awsJson service with that prefix, answering in its protocol", async () => {
    const models = await signedRequest(server.url, {
      service: "sagemaker",
      path: "/",
      ...json("1.1", "SageMaker.ListModels"),
    });
    expect(models.status).toBe(200);
    expect(models.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(JSON.parse(models.text)).toEqual({ Models: [] });
    const groups = await signedRequest(server.url, {
      service: "logs",
      path: "/",
      ...json("1.1", "Logs_20140328.DescribeLogGroups"),
    });
    expect(JSON.parse(groups.text)).toEqual({ logGroups: [] });
    const targets = await signedRequest(server.url, {
      service: "application-autoscaling",
      path: "/",
      ...json("1.1", "AnyScaleFrontendService.DescribeScalableTargets", '{"ServiceNamespace":"sagemaker"}'),
    });
    expect(targets.status).toBe(200);
    expect(JSON.parse(targets.text)).toEqual({ ScalableTargets: [] });
    const scheduled = await signedRequest(server.url, {
      service: "application-autoscaling",
      path: "/",
      ...json("1.1", "AnyScaleFrontendService.PutScheduledAction"),
    });
    expect(JSON.parse(scheduled.text)).toMatchObject({
      __type: "UnknownOperationException",
      message: "Local Application Auto Scaling does not implement the operation PutScheduledAction yet.",
    });
  });

  it("answers an X-Amz-Target nobody serves with UnknownOperationException in the request's JSON version", async () => {
    const answer = await signedRequest(server.url, {
      service: "dynamodb",
      path: "/",
      ...json("1.0", "DynamoDB_20120810.ListTables"),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(answer.headers["x-amzn-errortype"]).toBe("UnknownOperationException");
    expect(JSON.parse(answer.text).message).toMatch(
      /does not serve X-Amz-Target "DynamoDB_20120810.ListTables"; it serves SageMaker\.\*, Logs_20140328\.\*/,
    );
    const operation = await signedRequest(server.url, {
      service: "sagemaker",
      path: "/",
      ...json("1.1", "SageMaker.CreateBanana"),
    });
    expect(JSON.parse(operation.text)).toMatchObject({
      __type: "UnknownOperationException",
      message: 'Local SageMaker has no operation named "CreateBanana".',
    });
    const real = await signedRequest(server.url, {
      service: "sagemaker",
      path: "/",
      ...json("1.1", "SageMaker.CreateNotebookInstance"),
    });
    expect(JSON.parse(real.text).message).toBe(
      "Local SageMaker does not implement the operation CreateNotebookInstance yet.",
    );
  });

  it("sends a restJson request to the service its signature names, matched by the model's URI templates", async () => {
    const invoke = await signedRequest(server.url, {
      service: "sagemaker",
      path: "/endpoints/no-such-endpoint/invocations",
      headers: { "content-type": "application/json" },
      body: '{"inputs": "x"}',
    });
    expect(invoke.status).toBe(400);
    expect(invoke.headers["x-amzn-errortype"]).toBe("ValidationError");
    expect(JSON.parse(invoke.text).message).toMatch(
      /Endpoint no-such-endpoint of account 000000000000 not found/,
    );
    const elsewhere = await signedRequest(server.url, {
      service: "sagemaker",
      method: "GET",
      path: "/endpoints",
    });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers["x-amzn-errortype"]).toBe("UnknownOperationException");
    expect(JSON.parse(elsewhere.text).message).toBe("SageMaker Runtime has no operation at GET /endpoints.");
  });

  it("answers a path label that is not valid percent-encoding with 400, not 500", async () => {
    const answer = await signedRequest(server.url, {
      service: "sagemaker",
      path: "/endpoints/%ZZ/invocations",
      body: "{}",
    });
    expect(answer.status).toBe(400);
    expect(answer.headers["x-amzn-errortype"]).toBe("ValidationError");
    expect(JSON.parse(answer.text).message).toMatch(
      /EndpointName in the request path \("%ZZ"\) is not valid percent-encoding/,
    );
  });

  it("lets the signature decide between a REST path and an S3 bucket of the same name", async () => {
    // Signed for S3, `/endpoints/...` and `/2015-03-31/...` are buckets and keys, not SageMaker Runtime or Lambda.
    expect(
      (await signedRequest(server.url, { service: "s3", method: "PUT", path: "/endpoints" })).status,
    ).toBe(200);
    const put = await signedRequest(server.url, {
      service: "s3",
      method: "PUT",
      path: "/endpoints/ep/invocations",
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
      body: "stored",
    });
    expect(put.status).toBe(200);
    const get = await signedRequest(server.url, {
      service: "s3",
      method: "GET",
      path: "/endpoints/ep/invocations",
    });
    expect(get.text).toBe("stored");
    expect(
      (await signedRequest(server.url, { service: "s3", method: "PUT", path: "/2015-03-31" })).status,
    ).toBe(200);
  });

  it("answers a service nobody serves in the format its request suggests, naming it", async () => {
    const json = await signedRequest(server.url, {
      service: "sqs",
      path: "/",
      headers: { "content-type": "application/x-amz-json-1.0" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    expect(json.headers["x-amzn-errortype"]).toBe("UnknownServiceException");
    expect(JSON.parse(json.text).message).toMatch(/does not serve the service "sqs"/);
    const query = await signedRequest(server.url, {
      service: "sqs",
      path: "/",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=ListQueues&Version=2012-11-05",
    });
    expect(query.status).toBe(400);
    expect(query.headers["content-type"]).toBe("text/xml");
    expect(query.text).toContain("<Code>UnknownService</Code>");
    expect(query.text).toContain("does not serve the service &quot;sqs&quot;");
  });

  it("keeps its own /_local/ routes apart, and S3 takes the rest", async () => {
    const unknown = await signedRequest(server.url, {
      service: "s3",
      method: "GET",
      path: "/_local/nothing",
    });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).message).toMatch(/has no GET \/_local\/nothing/);
    const buckets = await signedRequest(server.url, { service: "s3", method: "GET", path: "/" });
    expect(buckets.text).toContain("<ListAllMyBucketsResult");
  });
});
