import { strToU8, zipSync } from "fflate";

/** A deployment package (zip) of text files, as `zip -r` would make it. */
export function zipOf(files: Record<string, string>): Buffer {
  return Buffer.from(
    zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)]))),
  );
}

/** The Node handler most Lambda tests use: it echoes, sleeps, throws, spins, hogs memory or answers big on request. */
export const NODE_HANDLER = `
exports.handler = async (event, context) => {
  if (event.fail) throw new TypeError("boom: " + event.fail);
  if (event.sleepMs) {
    console.log("sleeping", context.awsRequestId);
    await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  }
  if (event.spin) for (;;) {}
  if (event.hog) {
    const kept = [];
    for (;;) kept.push(new Array(100000).fill(kept.length));
  }
  if (event.big) return "x".repeat(event.big);
  console.log("event", JSON.stringify(event));
  return {
    echo: event,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    memoryLimitInMB: context.memoryLimitInMB,
    requestId: context.awsRequestId,
    remainingMs: context.getRemainingTimeInMillis(),
    invokedFunctionArn: context.invokedFunctionArn,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    env: {
      GREETING: process.env.GREETING,
      AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      AWS_REGION: process.env.AWS_REGION,
      AWS_EXECUTION_ENV: process.env.AWS_EXECUTION_ENV,
    },
  };
};
`;

export const PYTHON_HANDLER = `
import json

def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("boom: " + event["fail"])
    print("python event", json.dumps(event, ensure_ascii=False))
    body = json.loads(event["body"]) if "body" in event else event
    return {
        "statusCode": 200,
        "body": json.dumps({"got": body, "function": context.function_name, "memory": context.memory_limit_in_mb}),
    }
`;
