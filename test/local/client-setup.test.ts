/**
 * What `npm run local` prints for the AWS CLI, boto3 and the JavaScript SDK, and what the README tells: the same
 * export lines (both region variables: CLI v1 reads only AWS_DEFAULT_REGION), the `--endpoint-url` form every
 * version understands, and the minimum versions of the AWS_ENDPOINT_URL form. Where the machine has the AWS CLI or
 * boto3, the printed lines are pasted into a shell as a user would and run against the server they describe.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LOCAL_PORT } from "../../src/common/local-sagemaker";
import { clientSetupLines, ENDPOINT_ENV_MINIMUMS } from "../../src/local/client-setup";
import { stopLocalSageMaker } from "../../src/sagemaker/local-launcher";
import { freePort } from "../notebook/helpers";

const ROOT = join(__dirname, "..", "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

function has(command: string, args: string[]): boolean {
  return spawnSync(command, args, { encoding: "utf8" }).status === 0;
}
const awsCli = has("aws", ["--version"]);
const boto3 = has("python3", ["-c", "import boto3"]);

/** The environment of a fresh shell: no AWS settings of the user's (keys, profile, config, endpoint). */
function cleanEnv(work: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("AWS_")) env[key] = value;
  env.AWS_CONFIG_FILE = join(work, "no-config");
  env.HOME = work;
  return env;
}

describe("client setup lines", () => {
  it("exports both region variables, names --endpoint-url and the AWS_ENDPOINT_URL minimums", () => {
    const lines = clientSetupLines("http://127.0.0.1:7777", "/s/credentials", "ap-northeast-2");
    expect(lines[0]).toBe("export AWS_SHARED_CREDENTIALS_FILE=/s/credentials AWS_PROFILE=local");
    expect(lines[1]).toBe("export AWS_REGION=ap-northeast-2 AWS_DEFAULT_REGION=ap-northeast-2");
    expect(lines.join("\n")).toContain("aws --endpoint-url http://127.0.0.1:7777 s3 ls");
    expect(lines.join("\n")).toContain('endpoint_url="http://127.0.0.1:7777"');
    expect(lines.join("\n")).toContain(
      `${ENDPOINT_ENV_MINIMUMS}: export AWS_ENDPOINT_URL=http://127.0.0.1:7777`,
    );
  });

  it("the README quotes the same export lines and the same minimum versions", () => {
    const [credentials, region] = clientSetupLines(
      `http://127.0.0.1:${DEFAULT_LOCAL_PORT}`,
      ".work/local-sagemaker/credentials",
      "ap-northeast-2",
    );
    expect(README).toContain(
      `\n${credentials}\n${region}\naws --endpoint-url http://127.0.0.1:${DEFAULT_LOCAL_PORT} s3 ls\n`,
    );
    expect(README).toContain(
      "AWS CLI 1.29+ or 2.13+, boto3 1.28+ (botocore 1.31+) and the AWS SDK for JavaScript v3 3.428.0+",
    );
    expect(ENDPOINT_ENV_MINIMUMS).toBe(
      "AWS CLI 1.29+ or 2.13+, boto3 1.28+ (botocore 1.31+), AWS SDK for JavaScript v3 3.428.0+",
    );
  });
});

describe("npm run local's lines, pasted into a shell", () => {
  let work: string;
  let stateDir: string;
  let url: string;
  let server: ChildProcess;
  let printed: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "ko-clients-"));
    stateDir = join(work, "state");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(
      process.execPath,
      [
        join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
        join(ROOT, "src", "local", "cli.ts"),
        "--port",
        String(port),
        "--state-dir",
        stateDir,
      ],
      { cwd: ROOT, env: cleanEnv(work), stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start lines in 60 s: ${out}`)), 60_000);
      server.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        if (out.includes("# status:")) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.once("exit", (code) => reject(new Error(`npm run local exited with ${code}: ${out}`)));
    });
    printed = out.split("\n");
  });

  afterAll(async () => {
    if (url) await stopLocalSageMaker(url, { stateDir }).catch(() => undefined);
    server?.kill("SIGTERM");
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("prints the URL first, then the lines clientSetupLines gives", () => {
    expect(printed[0]).toBe(url);
    expect(printed.slice(1, 6)).toEqual(
      clientSetupLines(url, join(stateDir, "credentials"), "ap-northeast-2"),
    );
  });

  function shell(script: string) {
    const exports = printed.filter((l) => l.startsWith("export ")).join("\n");
    return spawnSync("bash", ["-c", `${exports}\n${script}`], {
      cwd: work,
      env: cleanEnv(work),
      encoding: "utf8",
      timeout: 60_000,
    });
  }

  it.skipIf(!awsCli)(
    "the AWS CLI (any version) with --endpoint-url: S3, SageMaker, Logs, Auto Scaling, CloudWatch",
    () => {
      for (const command of [
        `aws --endpoint-url ${url} s3 mb s3://readme-clients`,
        `aws --endpoint-url ${url} s3 ls`,
        `aws --endpoint-url ${url} sagemaker list-endpoints`,
        `aws --endpoint-url ${url} logs describe-log-groups`,
        `aws --endpoint-url ${url} application-autoscaling describe-scalable-targets --service-namespace sagemaker`,
        `aws --endpoint-url ${url} cloudwatch list-metrics --namespace AWS/SageMaker`,
      ]) {
        const run = shell(command);
        expect(run.status, `${command}\n${run.stderr}`).toBe(0);
      }
      expect(shell(`aws --endpoint-url ${url} s3 ls`).stdout).toContain("readme-clients");
    },
  );

  it.skipIf(!awsCli)("AWS CLI v1 needs AWS_DEFAULT_REGION: without it, it stops asking for a region", () => {
    const version = shell("aws --version").stdout + shell("aws --version").stderr;
    if (!version.startsWith("aws-cli/1.")) return; // v2 reads AWS_REGION too
    const run = shell(`unset AWS_DEFAULT_REGION; aws --endpoint-url ${url} sagemaker list-endpoints`);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("must specify a region");
  });

  it.skipIf(!boto3)("boto3 with endpoint_url, and with AWS_ENDPOINT_URL (boto3 1.28+)", () => {
    const script = [
      "import boto3",
      'session = boto3.Session(profile_name="local")',
      `print(session.client("sagemaker", endpoint_url="${url}").list_endpoints()["Endpoints"])`,
      `print(len(session.client("s3", endpoint_url="${url}").list_buckets()["Buckets"]) >= 0)`,
      'print(boto3.client("sagemaker").list_endpoints()["Endpoints"])',
    ].join("\n");
    const run = shell(`AWS_ENDPOINT_URL=${url} python3 -c '${script}'`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual(["[]", "True", "[]"]);
  });

  it("the JavaScript SDK v3 this project pins reads AWS_ENDPOINT_URL (3.428.0+)", () => {
    const js =
      'const { SageMakerClient, ListEndpointsCommand } = require("@aws-sdk/client-sagemaker");' +
      "new SageMakerClient({}).send(new ListEndpointsCommand({})).then((r) => console.log(JSON.stringify(r.Endpoints)), (e) => { console.error(e.message); process.exit(1); });";
    const run = shell(
      `cd ${JSON.stringify(ROOT)} && AWS_ENDPOINT_URL=${url} ${JSON.stringify(process.execPath)} -e '${js}'`,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("[]");
  });
});
