import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import type { FunctionErrorDocument, InvokeMessage } from "./protocol";

/**
 * The Node.js runtime of an execution environment, as Lambda's `nodejs20.x`/`nodejs22.x` behave: the handler
 * `file.export` names `file.js`, `file.mjs` or `file.cjs` under LAMBDA_TASK_ROOT, loaded once (the init phase);
 * console output is written as Lambda writes it (`<ISO time>\t<request id>\t<LEVEL>\t<message>`); a thrown error
 * or rejected promise becomes Node's error document (`errorType`, `errorMessage`, `trace`).
 */

export class InitError extends Error {
  constructor(readonly document: FunctionErrorDocument) {
    super(document.errorMessage);
  }
}

type Handler = (
  event: unknown,
  context: object,
  callback?: (error?: unknown, result?: unknown) => void,
) => unknown;

export interface NodeFunction {
  invoke(message: InvokeMessage): Promise<{ payload: string } | { error: FunctionErrorDocument }>;
}

const LEVELS = {
  log: "INFO",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
  debug: "DEBUG",
  trace: "TRACE",
} as const;

/** The request being served, for console lines (Lambda writes "undefined" during init, as here). */
let currentRequestId: string | undefined;

/** Routes console calls and anything written to stdout/stderr to `emit`, one log event per console call or line. */
export function captureOutput(emit: (message: string) => void): void {
  for (const [method, level] of Object.entries(LEVELS)) {
    (console as unknown as Record<string, (...args: unknown[]) => void>)[method] = (...args: unknown[]) =>
      emit(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${format(...args)}`);
  }
  for (const stream of [process.stdout, process.stderr]) {
    let pending = "";
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      pending += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        emit(pending.slice(0, end));
        pending = pending.slice(end + 1);
      }
      const callback = rest.find((item) => typeof item === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
}

export function errorDocument(error: unknown): FunctionErrorDocument {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: (error.stack ?? `${error.name}: ${error.message}`).split("\n"),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/**
 * A real `import()`: this module is compiled to CommonJS, where TypeScript would turn `import()` into `require`,
 * and an ES module handler (`index.mjs`, top-level await and all) needs the ESM loader.
 */
const importModule = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<Record<string, unknown>>;

/** X-Amz-Client-Context is base64 JSON; what does not decode is left out rather than failing the call. */
function parseClientContext(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(text, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
}

async function loadHandler(taskRoot: string, handlerName: string): Promise<Handler> {
  const dot = handlerName.lastIndexOf(".");
  const modulePath = dot > 0 ? handlerName.slice(0, dot) : handlerName;
  const exportName = dot > 0 ? handlerName.slice(dot + 1) : "handler";
  const file = [".js", ".mjs", ".cjs"].map((ext) => join(taskRoot, modulePath + ext)).find(existsSync);
  if (!file) {
    throw new InitError({
      errorType: "Runtime.ImportModuleError",
      errorMessage: `Error: Cannot find module '${modulePath}' (looked for ${modulePath}.js, .mjs and .cjs in ${taskRoot})`,
      trace: [],
    });
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = file.endsWith(".mjs") ? await importModule(pathToFileURL(file).href) : require(file);
  } catch (error) {
    const document = errorDocument(error);
    if (error instanceof SyntaxError) {
      throw new InitError({
        ...document,
        errorType: "Runtime.UserCodeSyntaxError",
        errorMessage: `SyntaxError: ${document.errorMessage}`,
      });
    }
    throw new InitError(document);
  }
  const fromDefault = (loaded.default as Record<string, unknown> | undefined)?.[exportName];
  const handler = loaded[exportName] ?? fromDefault;
  if (typeof handler !== "function") {
    throw new InitError({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: `${handlerName} is undefined or not exported`,
      trace: [],
    });
  }
  return handler as Handler;
}

/** Loads the handler (throws InitError with Lambda's error document) and returns what serves invocations. */
export async function initNodeFunction(taskRoot: string, handlerName: string): Promise<NodeFunction> {
  const handler = await loadHandler(taskRoot, handlerName);
  const env = process.env;
  return {
    async invoke(message) {
      currentRequestId = message.requestId;
      const context = {
        functionName: env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
        invokedFunctionArn: message.invokedFunctionArn,
        memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        awsRequestId: message.requestId,
        logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
        clientContext: parseClientContext(message.clientContext),
        // Answers are sent when the handler settles; waiting for an empty event loop is not emulated.
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
      };
      try {
        const event: unknown = message.payload === "" ? {} : JSON.parse(message.payload);
        const result =
          handler.length >= 3
            ? await new Promise((resolve, reject) => {
                const returned = handler(event, context, (error, value) =>
                  error ? reject(error) : resolve(value),
                );
                if (returned instanceof Promise) returned.then(resolve, reject);
              })
            : await handler(event, context);
        return { payload: JSON.stringify(result === undefined ? null : result) };
      } catch (error) {
        const document = errorDocument(error);
        console.error(
          "Invoke Error \t%s",
          JSON.stringify({
            errorType: document.errorType,
            errorMessage: document.errorMessage,
            stack: document.trace,
          }),
        );
        return { error: document };
      } finally {
        currentRequestId = undefined;
      }
    },
  };
}
