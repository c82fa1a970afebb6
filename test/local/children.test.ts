import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readLocalCredentials } from "../../src/common/local-credentials";
import { nodeEntry } from "../../src/local/core/processes";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";
import { scriptTrainingJob } from "../support/training-job";
import { BUCKET, containerPids, deploy, type Local, modelArchive, settled } from "./hosting-fixtures";

/**
 * What the processes local SageMaker starts can see, and that they never outlive it: a training job's script and
 * an inference handler get the allow-listed host variables and the server's own local key (as a SageMaker
 * container gets its role's credentials, not the notebook's), never the caller's secrets; a server killed with
 * SIGKILL takes its containers and jobs with it; a restarted one ends what is listed in processes.json.
 */

const CALLER = {
  AWS_ACCESS_KEY_ID: "AKIACALLERSOWNKEY000",
  AWS_SECRET_ACCESS_KEY: "caller-secret",
  AWS_SESSION_TOKEN: "caller-session-token",
  AWS_PROFILE: "caller-profile",
  AWS_SHARED_CREDENTIALS_FILE: "/home/caller/.aws/credentials",
  AWS_CONFIG_FILE: "/home/caller/.aws/config",
  MY_TOKEN: "my-token-do-not-leak",
  GITHUB_TOKEN: "ghp_callerstoken",
};

/** The variables a child reports about itself: the AWS ones by name, and every value, to look for leaks. */
const REPORT_ENV = `
const seen = process.env;
const report = {
  names: Object.keys(seen).sort(),
  aws: Object.fromEntries(Object.entries(seen).filter(([name]) => name.startsWith("AWS_"))),
  myToken: seen.MY_TOKEN ?? null,
  values: Object.values(seen),
};
`;

const TRAIN_SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
${REPORT_ENV}
fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, "env.json"), JSON.stringify(report));
`;

const HANDLER = `
${REPORT_ENV.replace("const report", "const atLoad")}
exports.modelFn = () => atLoad;
exports.transformFn = (model) => ({ body: JSON.stringify(model), contentType: "application/json" });
`;

interface EnvReport {
  names: string[];
  aws: Record<string, string>;
  myToken: string | null;
  values: string[];
}

function clientsFor(server: Pick<LocalServer, "url" | "region" | "credentials" | "stateDir">): Local {
  const config = clientConfig(server as LocalServer);
  return {
    server: server as LocalServer,
    stateDir: server.stateDir,
    sm: new SageMakerClient(config),
    runtime: new SageMakerRuntimeClient(config),
    runtimeOnce: new SageMakerRuntimeClient({ ...config, maxAttempts: 1 }),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(config),
  };
}

function destroyClients(local: Local): void {
  for (const client of [local.sm, local.runtime, local.runtimeOnce, local.s3, local.logs]) client.destroy();
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A process that exited is gone, even while it lingers as a zombie of a parent that is itself gone. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** What ProcessRegistry records: field 22 of /proc/<pid>/stat. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] as string;
}

function expectOnlyTheServersKey(report: EnvReport, server: Pick<LocalServer, "credentials" | "url">): void {
  expect(report.aws).toMatchObject({
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    AWS_ENDPOINT_URL: server.url,
  });
  expect(report.aws.AWS_REGION).toBe(report.aws.AWS_DEFAULT_REGION);
  for (const name of [
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "MY_TOKEN",
    "GITHUB_TOKEN",
  ]) {
    expect(report.names).not.toContain(name);
  }
  expect(report.myToken).toBeNull();
  for (const secret of Object.values(CALLER)) expect(report.values).not.toContain(secret);
}

describe("what children see of the server's environment", () => {
  const saved: Record<string, string | undefined> = {};
  let server: LocalServer;
  let local: Local;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(CALLER)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    server = await startLocalServer({ port: 0, stateDir: mkdtempSync(join(tmpdir(), "children-env-")) });
    local = clientsFor(server);
    await local.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterAll(async () => {
    await server?.close();
    if (local) destroyClients(local);
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (server) rmSync(server.stateDir, { recursive: true, force: true });
  });

  it("a training job's script gets the server's local key, not the caller's secret or tokens", async () => {
    await local.sm.send(
      new CreateTrainingJobCommand(await scriptTrainingJob(local.s3, BUCKET, "env-report", TRAIN_SCRIPT)),
    );
    const job = await until("the job to finish", async () => {
      const described = await local.sm.send(
        new DescribeTrainingJobCommand({ TrainingJobName: "env-report" }),
      );
      return ["Completed", "Failed", "Stopped"].includes(described.TrainingJobStatus ?? "")
        ? described
        : undefined;
    });
    expect(job.FailureReason).toBeUndefined();
    expect(job.TrainingJobStatus).toBe("Completed");
    const report = JSON.parse(
      readFileSync(join(server.stateDir, "training-jobs", "env-report", "model", "env.json"), "utf8"),
    ) as EnvReport;
    expectOnlyTheServersKey(report, server);
    // The job's own variables still arrive.
    expect(report.names).toEqual(expect.arrayContaining(["SM_MODEL_DIR", "SM_CHANNEL_TRAIN", "PATH"]));
  });

  it("an inference handler gets the server's local key, not the caller's secret or tokens", async () => {
    const { endpoint } = await deploy(local, await modelArchive({ "code/inference.js": HANDLER }));
    const answer = await local.runtime.send(
      new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: "application/json", Body: "{}" }),
    );
    const report = JSON.parse(Buffer.from(answer.Body ?? []).toString()) as EnvReport;
    expectOnlyTheServersKey(report, server);
    expect(report.names).toEqual(expect.arrayContaining(["SM_MODEL_DIR", "SAGEMAKER_SUBMIT_DIRECTORY"]));
  });
});

describe("children die with the server", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "children-kill-"));
  const spawned: ChildProcess[] = [];
  afterAll(() => {
    for (const child of spawned) if (child.pid !== undefined && running(child.pid)) child.kill("SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("SIGKILL of the server ends its containers and its training job's processes; a restarted server reaps what is left", async () => {
    // The server as `npm run local` runs it, in a process of its own: node itself, not a wrapper around it.
    const serverProcess = spawn(
      process.execPath,
      [...nodeEntry("local/cli"), "--port", "0", "--state-dir", stateDir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    spawned.push(serverProcess);
    let stdout = "";
    serverProcess.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    serverProcess.stderr?.resume();
    const url = await until("the server's URL", () => /^http:\/\/127\.0\.0\.1:\d+$/m.exec(stdout)?.[0]);
    const credentials = readLocalCredentials(join(stateDir, "credentials"));
    const remote = clientsFor({ url, region: "ap-northeast-2", credentials, stateDir });
    let endpoint = "";
    let containers: number[] = [];
    try {
      await remote.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      ({ endpoint } = await deploy(
        remote,
        await modelArchive({
          "code/inference.js":
            "exports.modelFn = () => ({});\nexports.transformFn = () => ({ body: '[]', contentType: 'application/json' });\n",
        }),
      ));
      containers = containerPids(stateDir, endpoint);
      expect(containers.length).toBeGreaterThan(0);
      const pidFile = join(stateDir, "job.pid");
      await remote.sm.send(
        new CreateTrainingJobCommand(
          await scriptTrainingJob(
            remote.s3,
            BUCKET,
            "outlive-me",
            `require("node:fs").writeFileSync(process.env.PID_FILE, String(process.pid)); setInterval(() => {}, 1000);`,
            { PID_FILE: pidFile },
          ),
        ),
      );
      const script = await until("the training script's pid", () =>
        existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined,
      );
      expect(running(script)).toBe(true);

      // Every process the server registered: the containers, the job's toolkit (its group's leader).
      const registered = (
        JSON.parse(readFileSync(join(stateDir, "processes.json"), "utf8")) as { pid: number }[]
      ).map((entry) => entry.pid);
      expect(registered).toEqual(expect.arrayContaining(containers));
      expect(registered.length).toBe(containers.length + 1);
      serverProcess.kill("SIGKILL");
      await until("the server to die", () =>
        serverProcess.exitCode !== null || serverProcess.signalCode ? true : undefined,
      );
      // Each child notices its server is gone (its IPC channel closes) and ends itself and its group.
      await until(
        "the containers and the job to end",
        () => ([...registered, script].every((pid) => !running(pid)) ? true : undefined),
        10_000,
      );
    } finally {
      destroyClients(remote);
    }

    // A leftover the children's own watch did not end (a process in a group of its own, still registered), and
    // a live process whose pid is listed with another start time (a reused pid), which must be left alone.
    const leftover = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      detached: true,
      stdio: "ignore",
    });
    const bystander = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    spawned.push(leftover, bystander);
    const leftoverPid = leftover.pid as number;
    const bystanderPid = bystander.pid as number;
    await until("the leftovers to start", () => (existsSync(`/proc/${leftoverPid}/stat`) ? true : undefined));
    const registry = join(stateDir, "processes.json");
    const listed = JSON.parse(readFileSync(registry, "utf8")) as object[];
    writeFileSync(
      registry,
      JSON.stringify([
        ...listed,
        { pid: leftoverPid, label: "training job left-behind", group: true, started: startTime(leftoverPid) },
        { pid: bystanderPid, label: "container reused-pid", group: false, started: "1" },
      ]),
    );

    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let restarted: LocalServer;
    try {
      restarted = await startLocalServer({ port: 0, stateDir });
    } finally {
      spy.mockRestore();
    }
    try {
      const log = written.join("");
      expect(log).toContain(
        `local-sagemaker: ended what a previous server left running: training job left-behind (pid ${leftoverPid})`,
      );
      expect(log).not.toContain("reused-pid");
      await until("the leftover to be ended", () => (running(leftoverPid) ? undefined : true), 5_000);
      expect(running(bystanderPid)).toBe(true);
      // The registry now lists only the new server's children.
      const now = JSON.parse(readFileSync(registry, "utf8")) as { pid: number }[];
      expect(now.map((entry) => entry.pid)).not.toContain(leftoverPid);
      const local = clientsFor(restarted);
      try {
        const job = await local.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "outlive-me" }));
        expect(job.TrainingJobStatus).toBe("Failed");
        expect(job.FailureReason).toContain("local SageMaker was restarted");
        // The endpoint comes back with fresh containers, none of the dead server's.
        expect((await settled(local, endpoint)).EndpointStatus).toBe("InService");
        const fresh = containerPids(stateDir, endpoint);
        expect(fresh.length).toBeGreaterThan(0);
        for (const pid of fresh) expect(containers).not.toContain(pid);
      } finally {
        destroyClients(local);
      }
    } finally {
      await restarted.close();
    }
  });
});
