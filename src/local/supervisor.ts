import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Runs one child process for local SageMaker (an inference container, a training script): its output goes to a
 * line callback (which feeds CloudWatch Logs), its IPC messages to another, and stop() ends it for sure (SIGTERM,
 * then SIGKILL). Restart policy belongs to the caller, which sees every exit.
 */
export interface ChildSpec {
  command: string;
  args: readonly string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Open an IPC channel (the child's process.send reaches onMessage). */
  ipc?: boolean;
  onLine(stream: "stdout" | "stderr", line: string): void;
  onMessage?(message: unknown): void;
  onExit(exit: ChildExit): void;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() asked for it: not a crash. */
  requested: boolean;
}

const STOP_GRACE_MS = 3_000;

/** Every child still running, so a server shutdown (or a crash of the server) leaves none behind. */
const running = new Set<ChildProcess>();

process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export class SupervisedChild {
  private readonly child: ChildProcess;
  private stopping = false;
  private readonly exited: Promise<ChildExit>;

  constructor(spec: ChildSpec) {
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: spec.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
    });
    running.add(this.child);
    const streamsClosed = (["stdout", "stderr"] as const).map((name) => {
      const stream = this.child[name];
      if (!stream) return Promise.resolve();
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on("line", (line) => spec.onLine(name, line));
      return new Promise<void>((resolve) => lines.once("close", resolve));
    });
    if (spec.onMessage) this.child.on("message", spec.onMessage);
    this.exited = new Promise((resolve) => {
      this.child.once("error", (error) => {
        spec.onLine("stderr", `Could not start ${spec.command}: ${error.message}`);
        running.delete(this.child);
        resolve({ code: null, signal: null, requested: this.stopping });
      });
      this.child.once("exit", (code, signal) => {
        running.delete(this.child);
        // Report the exit after the last output line, so a crash reason can quote it.
        void Promise.all(streamsClosed).then(() => resolve({ code, signal, requested: this.stopping }));
      });
    });
    void this.exited.then(spec.onExit);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ends the child: SIGTERM, then SIGKILL after a grace period. Resolves once it has exited. */
  async stop(): Promise<ChildExit> {
    this.stopping = true;
    if (this.alive) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_GRACE_MS);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}
