import { endWithParent } from "../parent-watch";
import { captureOutput, errorDocument, InitError, initNodeFunction } from "./node-runtime";
import type { InvokeMessage, RuntimeMessage } from "./protocol";
import { startPythonFunction } from "./python-runtime";

/**
 * The built-in Lambda "image": one execution environment. Local Lambda starts it with the function's code in
 * LAMBDA_TASK_ROOT, its handler in _HANDLER and its runtime in AWS_EXECUTION_ENV (`AWS_Lambda_nodejs22.x`,
 * `AWS_Lambda_python3.12`), the variables Lambda sets. Init runs once (the cold start); then it serves one
 * invocation at a time over the IPC channel (see protocol.ts) until the server reclaims it.
 */

const send = (message: RuntimeMessage): void => {
  process.send?.(message);
};

const maxMemoryMB = (): number => Math.ceil(process.resourceUsage().maxRSS / 1024);

async function runNode(taskRoot: string, handler: string): Promise<void> {
  captureOutput((message) => send({ type: "log", message }));
  // What escapes the handler's promise kills the environment, as on Lambda; the server reports the exit.
  process.on("unhandledRejection", (reason) => {
    const document = errorDocument(reason);
    console.error(
      `Unhandled Promise Rejection \t${JSON.stringify({ errorType: "Runtime.UnhandledPromiseRejection", errorMessage: document.errorMessage })}`,
    );
    process.exit(128);
  });
  process.on("uncaughtException", (error) => {
    console.error(
      `Uncaught Exception \t${JSON.stringify({ errorType: error.name, errorMessage: error.message, stack: (error.stack ?? "").split("\n") })}`,
    );
    process.exit(129);
  });
  let fn: Awaited<ReturnType<typeof initNodeFunction>>;
  try {
    fn = await initNodeFunction(taskRoot, handler);
  } catch (error) {
    const document = error instanceof InitError ? error.document : errorDocument(error);
    console.error(`${document.errorType}: ${document.errorMessage}`);
    send({ type: "init-error", error: document });
    return;
  }
  process.on("message", async (message: InvokeMessage) => {
    const outcome = await fn.invoke(message);
    const { requestId } = message;
    const memory = maxMemoryMB();
    if ("payload" in outcome)
      send({ type: "result", requestId, payload: outcome.payload, maxMemoryMB: memory });
    else send({ type: "error", requestId, error: outcome.error, maxMemoryMB: memory });
  });
  send({ type: "ready" });
}

function runPython(): void {
  const python = startPythonFunction(send, (code, signal) => {
    // The environment ends the way Python ended, so the server's "Runtime exited" message says how.
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  process.on("message", (message: InvokeMessage) => python.invoke(message));
}

function main(): void {
  endWithParent();
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const runtime = (process.env.AWS_EXECUTION_ENV ?? "").replace(/^AWS_Lambda_/, "");
  if (runtime.startsWith("python")) runPython();
  else void runNode(taskRoot, process.env._HANDLER ?? "index.handler");
  process.on("SIGTERM", () => process.exit(0));
}

main();
