/**
 * What SigV4 verification costs local SageMaker per request (`npx tsx test/bench/sigv4.ts`): a typical
 * InvokeEndpoint head as the JS SDK signs it (its headers, x-amz-content-sha256) with a 200-byte body, verified
 * again and again as the server would, signing key cached. Also the same request signed the botocore way (no
 * x-amz-content-sha256: the body's hash goes into the canonical request), a cold signing key, and the router's
 * credentialScopeService. Each figure is CPU time per call, the median of several rounds.
 *
 * Env: BENCH_ITERATIONS (calls per round, default 100000).
 */
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import {
  credentialScopeService,
  type SignedRequestHead,
  SigV4Verifier,
} from "../../src/local/protocol/sigv4";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 100_000);
const ROUNDS = 5;
const KEY = {
  accessKeyId: "AKIALOCALBENCHKEY001",
  secretAccessKey: "q7Jf0kR2vX9mB4nT6wY1zC3eH5gL8pS0aD2uF4iK",
};
const REGION = "ap-northeast-2";
const BODY = Buffer.from(
  JSON.stringify({ inputs: "배우들 연기가 정말 좋았고 마지막 장면에서 감동받았어요" }).padEnd(200, " "),
);

/** The headers the SageMaker Runtime client sends with InvokeEndpoint, before signing. */
function invokeEndpoint(): HttpRequest {
  return {
    method: "POST",
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 7070,
    path: "/endpoints/ko-sentiment-endpoint/invocations",
    query: {},
    headers: {
      host: "127.0.0.1:7070",
      "content-type": "application/json",
      accept: "application/json",
      "content-length": String(BODY.length),
      "x-amz-user-agent": "aws-sdk-js/3.1162.0",
      "user-agent":
        "aws-sdk-js/3.1162.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.19.0 api/sagemaker-runtime#3.1162.0",
      "amz-sdk-invocation-id": "0b6f0c0e-6f7e-4f8e-9d2a-3b1c2d4e5f60",
      "amz-sdk-request": "attempt=1; max=3",
    },
    body: BODY,
  };
}

async function signedHead(
  applyChecksum: boolean,
  signingDate: Date,
  region = REGION,
): Promise<SignedRequestHead> {
  const signer = new SignatureV4({
    service: "sagemaker",
    region,
    credentials: KEY,
    sha256: Sha256,
    applyChecksum,
  });
  const signed = (await signer.sign(invokeEndpoint(), { signingDate })) as HttpRequest;
  return { method: signed.method, url: signed.path, headers: signed.headers };
}

/** Median CPU microseconds per call of `run` over ROUNDS rounds of ITERATIONS calls. */
function measure(run: () => unknown): number {
  for (let i = 0; i < ITERATIONS / 10; i++) run();
  const perCall: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) run();
    const used = process.cpuUsage(start);
    perCall.push((used.user + used.system) / ITERATIONS);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(ROUNDS / 2)] as number;
}

function report(label: string, microseconds: number): void {
  process.stdout.write(`${label.padEnd(72)} ${microseconds.toFixed(2).padStart(7)} µs\n`);
}

async function main(): Promise<void> {
  const now = Date.now();
  const verifier = new SigV4Verifier({ keys: [KEY], region: REGION, now: () => now });
  const sdk = await signedHead(true, new Date(now));
  const botocore = await signedHead(false, new Date(now));
  for (const head of [sdk, botocore]) {
    const result = verifier.verify(head, { body: BODY });
    if (!result.ok) throw new Error(`the benchmark request does not verify: ${result.message}`);
  }
  process.stdout.write(
    `SigV4 verification, ${ITERATIONS} calls x ${ROUNDS} rounds, Node ${process.version} (CPU time per call, median)\n`,
  );
  report(
    "InvokeEndpoint, JS SDK head + 200-byte body (x-amz-content-sha256)",
    measure(() => verifier.verify(sdk, { body: BODY })),
  );
  report(
    "InvokeEndpoint, botocore head + 200-byte body (body hash signed)",
    measure(() => verifier.verify(botocore, { body: BODY })),
  );
  report(
    "InvokeEndpoint, JS SDK head alone (body checked later)",
    measure(() => verifier.verify(sdk)),
  );
  // More scopes than the signing-key cache holds, taken in turn: every call derives its key.
  const anyRegion = new SigV4Verifier({ keys: [KEY], now: () => now });
  const scopes = await Promise.all(
    Array.from({ length: 70 }, (_, i) => signedHead(true, new Date(now), `bench-${i}`)),
  );
  let next = 0;
  const cold = measure(() =>
    anyRegion.verify(scopes[next++ % scopes.length] as SignedRequestHead, { body: BODY }),
  );
  report("  same, signing key derived on every call (cache defeated)", cold);
  report(
    "credentialScopeService (router)",
    measure(() => credentialScopeService(sdk)),
  );
}

void main();
