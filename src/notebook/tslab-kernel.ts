/**
 * The project's Jupyter kernel: tslab, plus the `execute_input` message the Jupyter protocol asks a kernel to
 * broadcast when it starts a cell. tslab 1.0 answers `execute_reply` with the count but never sends
 * `execute_input`, and nbconvert/nbclient take a cell's execution count from that message only: without it every
 * cell of an `nbconvert --execute` copy shows `In [ ]:`. This wrapper adds the message (code and count, before the
 * cell runs, from the same counter tslab uses) and starts tslab's own kernel; nothing else changes.
 *
 * Started by the kernel spec `npm run kernel` writes: `node dist/notebook/tslab-kernel.js --config-path <file>`.
 */
import path from "node:path";

interface ZmqMessageLike {
  content: Record<string | symbol, unknown>;
  createReply(): {
    header: { msg_type: string };
    content: unknown;
    signAndSend(key: string, socket: unknown): void;
  };
}
interface ZmqServerLike {
  connInfo: { key: string };
  iopub: unknown;
}
interface TslabJupyter {
  ZmqServer: {
    prototype: { handleExecute(this: ZmqServerLike, sock: unknown, msg: ZmqMessageLike): Promise<void> };
  };
  JupyterHandlerImpl: {
    prototype: {
      execCount: number;
      handleExecuteImpl(this: { execCount: number }, req: object, ...rest: unknown[]): Promise<unknown>;
    };
  };
}

const PUBLISH_INPUT = Symbol("publishExecuteInput");
let patched = false;

/** Makes tslab's kernel broadcast `execute_input` (idempotent). */
export function addExecuteInput(jupyter: TslabJupyter): void {
  if (patched) return;
  patched = true;
  const serverExecute = jupyter.ZmqServer.prototype.handleExecute;
  jupyter.ZmqServer.prototype.handleExecute = function (sock, msg) {
    const publish = (count: number): void => {
      const input = msg.createReply();
      input.header.msg_type = "execute_input";
      input.content = { code: msg.content.code, execution_count: count };
      input.signAndSend(this.connInfo.key, this.iopub);
    };
    Object.defineProperty(msg.content, PUBLISH_INPUT, { value: publish, enumerable: false });
    return serverExecute.call(this, sock, msg);
  };
  const handlerExecute = jupyter.JupyterHandlerImpl.prototype.handleExecuteImpl;
  jupyter.JupyterHandlerImpl.prototype.handleExecuteImpl = function (req, ...rest) {
    // Runs in tslab's queue, just before tslab itself takes `++this.execCount` for this cell.
    const publish = (req as Record<symbol, unknown>)[PUBLISH_INPUT];
    if (typeof publish === "function") publish(this.execCount + 1);
    return handlerExecute.call(this, req, ...rest);
  };
}

function main(argv: string[]): void {
  const at = argv.indexOf("--config-path");
  const configPath = at >= 0 ? (argv[at + 1] ?? "") : "";
  const tslabDir = path.dirname(require.resolve("tslab/package.json"));
  addExecuteInput(require(path.join(tslabDir, "dist", "jupyter.js")) as TslabJupyter);
  const { version } = require(path.join(tslabDir, "package.json")) as { version: string };
  const tslab = require(path.join(tslabDir, "dist", "main.js")) as {
    startKernel(options: {
      configPath: string;
      enableFindLocal: boolean;
      jsKernel: boolean;
      globalVersion: string;
    }): void;
  };
  // enableFindLocal: false keeps this project's tslab (the one patched) even when a notebook's folder has another.
  tslab.startKernel({ configPath, enableFindLocal: false, jsKernel: false, globalVersion: version });
}

if (require.main === module) main(process.argv.slice(2));
