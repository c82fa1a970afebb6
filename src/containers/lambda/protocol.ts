/**
 * What local Lambda and one execution environment (a process running `containers/lambda/main`) say to each other
 * over the IPC channel. An environment runs one invocation at a time, as on Lambda, so every message after an
 * `invoke` belongs to it until its `result` or `error`; log events travel on the same channel, so they arrive in
 * order with the answer and the invocation's log tail is complete when the answer is.
 */

/** An error document as the runtime writes it into the payload: Node adds `trace`, Python `stackTrace`. */
export interface FunctionErrorDocument {
  errorMessage: string;
  errorType: string;
  trace?: string[];
  stackTrace?: string[];
  requestId?: string;
}

export interface InvokeMessage {
  type: "invoke";
  requestId: string;
  /** The event, as the JSON text the caller sent. */
  payload: string;
  /** When the invocation times out (epoch ms), for `context.getRemainingTimeInMillis()`. */
  deadline: number;
  invokedFunctionArn: string;
  clientContext?: string;
}

export type RuntimeMessage =
  /** Init finished: the handler module is loaded. */
  | { type: "ready" }
  /** Init failed: the environment cannot serve; the first invocation answers this error. */
  | { type: "init-error"; error: FunctionErrorDocument }
  /** One log event (a console call, a printed line), during init or an invocation. */
  | { type: "log"; message: string }
  | { type: "result"; requestId: string; payload: string; maxMemoryMB: number }
  | { type: "error"; requestId: string; error: FunctionErrorDocument; maxMemoryMB: number };
