import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError, toAwsError } from "../core/errors";
import { handleAwsJson, type JsonServiceSpec, sendJsonError } from "./aws-json";
import { handleAwsQuery, type QueryServiceSpec, sendQueryError } from "./aws-query";
import { type ErrorFamily, type Gate, sendFamilyError } from "./gate";
import { decodedBody, header } from "./http";
import { type RequestHead, readHead } from "./request-head";
import { type RestJsonService, sendRestJsonError } from "./rest-json";
import { type CborServiceSpec, handleRpcV2Cbor, sendCborError } from "./rpcv2-cbor";

/**
 * The route table: one ordered list decides which service a request is for, the way AWS's own front ends tell
 * them apart on one host:
 *   1. the server's own `/_local/*` routes;
 *   2. `X-Amz-Target: <Prefix>.<Operation>` → the awsJson service with that prefix (SageMaker, Logs, ...);
 *   3. Smithy RPC v2 CBOR paths, `/service/<ServiceName>/operation/<Operation>` (CloudWatch);
 *   4. the service named in the SigV4 credential scope (`Credential=AKID/<date>/<region>/<service>/aws4_request`)
 *      → that REST service, matched by its URI templates (SageMaker Runtime, Lambda, ...), or that awsQuery
 *      service (`monitoring`: CloudWatch); without a signature (auth switched off), the URI templates alone, and
 *      form-encoded `POST /` for the query services;
 *   5. S3, explicitly last: path-style `/<bucket>/<key>` takes whatever is left.
 * A request that names a service or operation nobody serves gets the error of the protocol it looks like, saying
 * what was not understood, instead of being misread as S3. Before a route answers, the gate refuses requests not
 * addressed to this server; each route then admits only signed requests (see gate.ts).
 */

/** A route looks at the head once: it either takes the request (the answer to write) or leaves it to the next. */
export interface Route {
  readonly name: string;
  /** How the route's protocol writes errors (the gate's refusals included). */
  readonly family: ErrorFamily;
  claim(head: RequestHead): ((res: ServerResponse) => Promise<void>) | undefined;
}

/** awsJson and REST request bodies are small on AWS (6 MiB payloads); the cap leaves room to answer clearly. */
export const MAX_API_BODY_BYTES = 64 * 1024 * 1024;

export class Router {
  constructor(
    private readonly routes: readonly Route[],
    private readonly gate: Gate,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = readHead(req);
    let family: ErrorFamily = "json";
    try {
      let answer: ((res: ServerResponse) => Promise<void>) | undefined;
      for (const route of this.routes) {
        answer = route.claim(head);
        family = route.family;
        if (answer) break;
      }
      if (!answer) throw new Error(`no route for ${head.method} ${head.path} (the table must end with S3)`);
      const refused = this.gate.exposure(head, family);
      if (refused) {
        // The body is never read: close the connection rather than drain what may be a hostile upload.
        res.shouldKeepAlive = false;
        sendFamilyError(res, family, refused, head);
        return;
      }
      await answer(res);
    } catch (error) {
      // Whatever escaped a protocol layer (a refused signature, a body that could not be read, a bug): answer.
      if (res.headersSent) res.destroy();
      else
        sendFamilyError(
          res,
          family,
          toAwsError(error, family === "s3" ? "InternalError" : "InternalFailure"),
          head,
        );
    }
  }
}

/** The awsJson services, by target prefix; each admits requests signed for its own signing name. */
export function awsJsonRoute(services: readonly JsonServiceSpec[], gate: Gate): Route {
  const byPrefix = new Map(services.map((service) => [service.targetPrefix, service]));
  return {
    name: "awsJson",
    family: "json",
    claim: (head) => (head.target === undefined ? undefined : (res) => answer(head, res)),
  };

  async function answer(head: RequestHead, res: ServerResponse): Promise<void> {
    const target = head.target as string;
    const dot = target.lastIndexOf(".");
    const service = dot > 0 ? byPrefix.get(target.slice(0, dot)) : undefined;
    const version = header(head.req, "content-type")?.includes("1.0") ? "1.0" : "1.1";
    try {
      const signingName = service?.model.service.signingName ?? head.scope ?? "";
      const { body } = await gate.admit(head, "json", signingName, MAX_API_BODY_BYTES);
      if (!service || head.method !== "POST") {
        const served = [...byPrefix.keys()].map((prefix) => `${prefix}.*`).join(", ");
        throw new AwsError(
          "UnknownOperationException",
          head.method !== "POST"
            ? `X-Amz-Target requests are POSTs; got ${head.method}.`
            : `Local SageMaker does not serve X-Amz-Target "${target.slice(0, 200)}"; it serves ${served}.`,
        );
      }
      const decoded = decodedBody(head.req, body, MAX_API_BODY_BYTES);
      await handleAwsJson(service, target.slice(dot + 1), decoded, res, head.requestId);
    } catch (error) {
      sendJsonError(
        res,
        toAwsError(error),
        head.requestId,
        service?.version ?? version,
        service?.queryCompatible ? service.model : undefined,
      );
    }
  }
}

/**
 * A restJson service (SageMaker Runtime, Lambda): requests signed for `signingName`, or unsigned requests whose
 * method and path fit one of its URI templates. A signed request for it that fits none is answered by it.
 */
export function restJsonRoute(service: RestJsonService, signingName: string, gate: Gate): Route {
  return {
    name: service.spec.serviceName,
    family: "rest-json",
    claim(head) {
      if (head.target !== undefined || (head.scope !== undefined && head.scope !== signingName))
        return undefined;
      const found = service.find(head.method, head.path, head.query);
      if (!found && head.scope !== signingName) return undefined;
      return async (res) => {
        try {
          const { body } = await gate.admit(head, "rest-json", signingName, MAX_API_BODY_BYTES);
          if (found) {
            await service.handle(found, head.req.headers, head.query, body, res, head.requestId);
            return;
          }
          // Signed for this service but fitting none of its operations: its own error, not another service's.
          throw new AwsError(
            "UnknownOperationException",
            `${service.spec.serviceName} has no operation at ${head.method} ${head.path.slice(0, 200)}.`,
            { status: 404 },
          );
        } catch (error) {
          sendRestJsonError(res, toAwsError(error), head.requestId);
        }
      };
    },
  };
}

/**
 * Signed for a service this server does not serve (`sqs`, `dynamodb`, ...): the error is written in the format the
 * request's content type suggests, so the client's own parser can read it.
 */
export function unknownServiceRoute(served: readonly string[]): Route {
  return {
    name: "unknown service",
    family: "json",
    claim: (head) =>
      head.scope !== undefined && head.scope !== "s3" && !served.includes(head.scope)
        ? async (res) => {
            const message = `Local SageMaker does not serve the service "${head.scope}" (the request is signed for it); it serves ${served.join(", ")} and s3.`;
            const json = (header(head.req, "content-type") ?? "").includes("json");
            sendFamilyError(
              res,
              json ? "json" : "query",
              new AwsError(json ? "UnknownServiceException" : "UnknownService", message),
              head,
            );
          }
        : undefined,
  };
}

const RPC_V2_PATH = /^\/service\/([^/]+)\/operation\/([^/]+)$/;

/**
 * Smithy RPC v2 CBOR services, by service shape name: `POST /service/<Name>/operation/<Op>` with the
 * `smithy-protocol` header (or signed for one of them), so an S3 key of that form is never taken.
 */
export function rpcV2CborRoute(services: readonly CborServiceSpec[], gate: Gate): Route {
  const byName = new Map(services.map((service) => [service.model.service.name, service]));
  const signingNames = new Set(services.map((service) => service.model.service.signingName));
  return {
    name: "rpcv2Cbor",
    family: "json",
    claim(head) {
      const match = head.target === undefined ? RPC_V2_PATH.exec(head.path) : null;
      if (!match) return undefined;
      const marked = header(head.req, "smithy-protocol") !== undefined;
      if (!marked && !(head.scope !== undefined && signingNames.has(head.scope))) return undefined;
      return (res) => answer(head, res, match[1] as string, match[2] as string);
    },
  };

  async function answer(
    head: RequestHead,
    res: ServerResponse,
    name: string,
    operation: string,
  ): Promise<void> {
    const service = byName.get(name);
    try {
      const signingName = service?.model.service.signingName ?? head.scope ?? "";
      const { body } = await gate.admit(head, "json", signingName, MAX_API_BODY_BYTES);
      if (!service || head.method !== "POST") {
        throw new AwsError(
          "UnknownOperationException",
          head.method !== "POST"
            ? `RPC v2 requests are POSTs; got ${head.method}.`
            : `Local SageMaker serves no RPC v2 service "${name.slice(0, 100)}"; it serves ${[...byName.keys()].join(", ")}.`,
          { status: 404 },
        );
      }
      await handleRpcV2Cbor(
        service,
        operation,
        header(head.req, "smithy-protocol"),
        decodedBody(head.req, body, MAX_API_BODY_BYTES),
        res,
        head.requestId,
      );
    } catch (error) {
      sendCborError(
        res,
        toAwsError(error),
        head.requestId,
        service?.queryCompatible ? service.model : undefined,
      );
    }
  }
}

const FORM = "application/x-www-form-urlencoded";

/**
 * awsQuery services, by signing name (`monitoring`): requests signed for one of them, or, unsigned (auth off),
 * form-encoded `POST /`, given to the service whose API version the form's `Version` names.
 */
export function queryRoute(services: readonly QueryServiceSpec[], gate: Gate): Route {
  const bySigningName = new Map(services.map((service) => [service.model.service.signingName, service]));
  return {
    name: "awsQuery",
    family: "query",
    claim(head) {
      if (head.target !== undefined) return undefined;
      const signed = head.scope === undefined ? undefined : bySigningName.get(head.scope);
      if (head.scope !== undefined && !signed) return undefined;
      const form = (header(head.req, "content-type") ?? "").startsWith(FORM);
      if (!signed && !(head.method === "POST" && head.path === "/" && form)) return undefined;
      return (res) => answer(head, res, signed, form);
    },
  };

  async function answer(
    head: RequestHead,
    res: ServerResponse,
    signed: QueryServiceSpec | undefined,
    form: boolean,
  ): Promise<void> {
    const first = signed ?? (services[0] as QueryServiceSpec);
    try {
      const { body } = await gate.admit(head, "query", first.model.service.signingName, MAX_API_BODY_BYTES);
      const params = new URLSearchParams(head.query);
      const text = decodedBody(head.req, body, MAX_API_BODY_BYTES).toString("utf8");
      if (form) for (const [key, value] of new URLSearchParams(text)) params.append(key, value);
      const version = params.get("Version");
      const service =
        signed ?? services.find((candidate) => candidate.model.service.query?.version === version);
      if (!service) {
        throw new AwsError(
          "InvalidAction",
          `Local SageMaker serves no query API of Version ${JSON.stringify(version?.slice(0, 50) ?? null)}; it serves ${services.map((s) => `${s.serviceName} (${s.model.service.query?.version})`).join(", ")}.`,
        );
      }
      await handleAwsQuery(service, params, res, head.requestId);
    } catch (error) {
      sendQueryError(res, toAwsError(error), head.requestId, first.model);
    }
  }
}
