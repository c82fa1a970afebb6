import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { InvokeMessage, RuntimeMessage } from "./protocol";

/**
 * The Python runtimes (`python3.x`): the environment's Node process starts `python3` with the bootstrap below and
 * relays. The bootstrap is ours, written as Lambda's Python runtime behaves: it imports `module.function` from
 * LAMBDA_TASK_ROOT once (the init), calls `handler(event, context)` per invocation, writes errors as Python's
 * document (`errorMessage`, `errorType`, `requestId`, `stackTrace`) with Lambda's `[ERROR]` log line, and answers
 * over file descriptor 3 in JSON lines. print() and logging go over the same descriptor as log events, so they
 * stay in order with the answer; requests arrive on stdin, one JSON line each.
 */

const BOOTSTRAP = String.raw`
import importlib, json, logging, os, resource, sys, time, traceback

_channel = os.fdopen(3, "w", encoding="utf-8")

def _send(message):
    _channel.write(json.dumps(message) + "\n")
    _channel.flush()

class _LogStream:
    def __init__(self):
        self._pending = ""
    def write(self, text):
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            _send({"type": "log", "message": line})
        return len(text)
    def flush(self):
        pass
    def isatty(self):
        return False

sys.stdout = _LogStream()
sys.stderr = _LogStream()
_request_id = None

class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True

_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter(
    "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
_handler.formatter.converter = time.gmtime
_handler.addFilter(_RequestIdFilter())
logging.getLogger().addHandler(_handler)

def _memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

def _init():
    name = os.environ["_HANDLER"]
    module_name, _, function_name = name.rpartition(".")
    module_name = module_name.replace("/", ".")
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        raise _InitError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, error))
    except ImportError as error:
        raise _InitError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, error))
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _InitError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return handler

class _InitError(Exception):
    def __init__(self, error_type, message):
        self.error_type = error_type
        self.message = message

class _Context:
    def __init__(self, request):
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = request["invokedFunctionArn"]
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.aws_request_id = request["requestId"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline = request["deadline"]
    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline - time.time() * 1000))

def _error_document(error, request_id):
    frames = traceback.extract_tb(error.__traceback__)[1:]
    return {"errorMessage": str(error), "errorType": type(error).__name__, "requestId": request_id,
            "stackTrace": traceback.format_list(frames)}

def _main():
    global _request_id
    try:
        handler = _init()
    except _InitError as error:
        print("[ERROR] %s: %s" % (error.error_type, error.message))
        _send({"type": "init-error", "error": {"errorMessage": error.message, "errorType": error.error_type,
               "requestId": "", "stackTrace": []}})
        return
    except Exception as error:
        print("[ERROR] %s: %s" % (type(error).__name__, error))
        _send({"type": "init-error", "error": _error_document(error, "")})
        return
    _send({"type": "ready"})
    for line in sys.stdin.buffer:
        request = json.loads(line)
        _request_id = request["requestId"]
        try:
            event = json.loads(request["payload"]) if request["payload"] else {}
            result = handler(event, _Context(request))
            try:
                payload = json.dumps(result)
            except (TypeError, ValueError) as error:
                raise _MarshalError("Unable to marshal response: %s" % error) from None
            _send({"type": "result", "requestId": _request_id, "payload": payload, "maxMemoryMB": _memory_mb()})
        except Exception as error:
            document = _error_document(error, _request_id)
            if isinstance(error, _MarshalError):
                document["errorType"] = "Runtime.MarshalError"
            print("[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (
                document["errorType"], document["errorMessage"], "".join(document["stackTrace"])), end="")
            print()
            _send({"type": "error", "requestId": _request_id, "error": document, "maxMemoryMB": _memory_mb()})
        _request_id = None

class _MarshalError(Exception):
    pass

_main()
`;

/** The interpreter the python3.x runtimes use. */
export const PYTHON_COMMAND = "python3";

export interface PythonFunction {
  invoke(message: InvokeMessage): void;
}

/**
 * Starts the bootstrap in LAMBDA_TASK_ROOT; every message it writes is handed to `relay` as is (the same
 * RuntimeMessage the server reads from a Node environment). `onExit` hears how Python ended.
 */
export function startPythonFunction(
  relay: (message: RuntimeMessage) => void,
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void,
): PythonFunction {
  const python: ChildProcess = spawn(PYTHON_COMMAND, ["-u", "-c", BOOTSTRAP], {
    cwd: process.env.LAMBDA_TASK_ROOT,
    env: process.env,
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
  const channel = python.stdio[3] as Readable;
  createInterface({ input: channel, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
    relay(JSON.parse(line) as RuntimeMessage),
  );
  // What native code writes to the descriptors themselves (not through sys.stdout) is logged too.
  for (const stream of [python.stdout, python.stderr]) {
    if (stream)
      createInterface({ input: stream }).on("line", (line) => relay({ type: "log", message: line }));
  }
  python.on("error", (error) => {
    relay({ type: "log", message: `Could not start ${PYTHON_COMMAND}: ${error.message}` });
  });
  python.on("exit", onExit);
  const requests = python.stdin as Writable;
  return {
    invoke(message) {
      const { requestId, payload, deadline, invokedFunctionArn } = message;
      requests.write(`${JSON.stringify({ requestId, payload, deadline, invokedFunctionArn })}\n`);
    },
  };
}
