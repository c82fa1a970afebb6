import { type ChildProcess, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { localCredentialsFile, readLocalCredentials } from "../../src/common/local-credentials";

const ROOT = resolve(__dirname, "../..");

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** The key the server admits: the one it wrote into its state folder. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

/**
 * Local SageMaker in its own process, as `npm run local` runs it, on a free port over `stateDir`: benchmarks measure
 * the server and its containers apart from the client that drives them.
 */
export async function startServerProcess(stateDir: string): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(require.resolve("tsx")).href,
      join(ROOT, "src/local/cli.ts"),
      "--port",
      "0",
      "--state-dir",
      stateDir,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match) resolveUrl(match[0]);
    });
    child.once("exit", (code) => reject(new Error(`local SageMaker exited (${code}) before it was ready`)));
  });
  const { accessKeyId, secretAccessKey } = readLocalCredentials(localCredentialsFile(stateDir));
  return {
    url,
    child,
    credentials: { accessKeyId, secretAccessKey },
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((resolveExit) => child.once("exit", resolveExit));
    },
  };
}
