import type { FunctionConfiguration } from "@aws-sdk/client-lambda";
import { Lifecycle } from "../../core/lifecycle";
import type { LocalRuntime } from "./runtimes";

/**
 * What local Lambda keeps of a function (one JSON document each, in `<state>/lambda/functions/`), and the two
 * lifecycles AWS gives it: State (Pending while the code is prepared, then Active, or Failed saying why) and
 * LastUpdateStatus (InProgress while an update is applied, then Successful or Failed). Every change of either goes
 * through its table's transition().
 */

export interface StoredCode {
  /** Folder name of this version of the code under the function's code folder. */
  revision: string;
  /** Zip functions: where the package is kept in local S3 (GetFunction's Code.Location). */
  packageKey?: string;
  /** Image functions: the local image and the folder its code is copied from. */
  imageUri?: string;
  imageFolder?: string;
  imageRuntime?: LocalRuntime;
}

export interface StoredFunction {
  configuration: FunctionConfiguration;
  code: StoredCode;
  tags: Record<string, string>;
  LastModifiedTime: number;
}

type State = "Pending" | "Active" | "Failed";
type UpdateStatus = "InProgress" | "Successful" | "Failed";

/** New functions start Pending and InProgress; a failure's code travels in the change's `message`, its sentence in `reason`. */
export const FUNCTION_STATE = new Lifecycle<StoredFunction, State>({
  kind: "Lambda function",
  moves: { Pending: ["Active", "Failed"], Active: [], Failed: [] },
  name: (fn) => fn.configuration.FunctionName ?? "",
  status: (fn) => fn.configuration.State as State,
  apply(fn, to, change) {
    const config = fn.configuration;
    config.State = to;
    config.StateReason = change.reason;
    config.StateReasonCode = change.message as FunctionConfiguration["StateReasonCode"];
  },
});

export const LAST_UPDATE = new Lifecycle<StoredFunction, UpdateStatus>({
  kind: "Lambda function update",
  moves: { InProgress: ["Successful", "Failed"], Successful: ["InProgress"], Failed: ["InProgress"] },
  name: (fn) => fn.configuration.FunctionName ?? "",
  status: (fn) => fn.configuration.LastUpdateStatus as UpdateStatus,
  apply(fn, to, change) {
    const config = fn.configuration;
    config.LastUpdateStatus = to;
    config.LastUpdateStatusReason = change.reason;
    config.LastUpdateStatusReasonCode = change.message as FunctionConfiguration["LastUpdateStatusReasonCode"];
  },
});

/** Lambda's LastModified: `2024-05-01T12:00:00.000+0000`. */
export const lambdaTimestamp = (at: number): string => new Date(at).toISOString().replace("Z", "+0000");
