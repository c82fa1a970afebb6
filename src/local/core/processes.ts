import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { tsxImportArgs } from "../../containers/training/entry-point";
import { projectRoot } from "../../project";
import { readJsonFile, writeFileAtomically } from "./store";

/**
 * The one child-process module of local SageMaker: training toolkits, inference containers and every later kind of
 * job run through `SupervisedChild`. Each child
 * - is one of our own Node entry points (`nodeEntry`), run from TypeScript source under tsx or compiled from dist,
 *   the same way the server itself runs;
 * - leads its own process group when it runs code that may start processes of its own (a training job's Python
 *   script), so stopping it reaches them; a long-lived server of ours (an inference container) stays in the
 *   server's session instead: on Linux every new session is its own scheduling group (autogroup), and an
 *   endpoint's container in a group of its own made every invocation cost the server about 80 µs more of CPU;
 * - gets an IPC channel it watches: when the server dies, even by SIGKILL, the channel closes and the child ends its
 *   group (see `src/containers/parent-watch.ts`), so nothing keeps running without its server;
 * - gets the host variables it needs to run and nothing else of the server's environment (no AWS credentials,
 *   profiles or tokens of the user's own: a SageMaker container gets its role's, not the notebook's);
 * - is recorded in the state folder's process registry, so a server restarted after a crash ends what the previous
 *   one left behind before it recovers.
 * Restart policy belongs to the caller, which sees every exit; `CrashWindow` is the shared rule.
 */

const RUNNING_FROM_SOURCE = __filename.endsWith(".ts");

/** `node` arguments that run one of the project's modules (e.g. "containers/inference/main"). */
export function nodeEntry(module: string): string[] {
  const root = projectRoot();
  return RUNNING_FROM_SOURCE
    ? [...tsxImportArgs(), join(root, "src", `${module}.ts`)]
    : [join(root, "dist", `${module}.js`)];
}

/** Host variables a process needs to work at all; everything else of the server's environment stays out. */
const HOST_VARIABLES =
  /^(PATH|PATHEXT|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|TEMP|TMP|SYSTEMROOT|WINDIR|COMSPEC|PYENV|PYENV_[A-Z_]+)$/i;

/** The allow-listed host variables, the project's libraries on NODE_PATH (the "image" has them), then `extra`. */
export function childEnvironment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && HOST_VARIABLES.test(name)) env[name] = value;
  }
  env.NODE_PATH = join(projectRoot(), "node_modules");
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
}

export interface ChildSpec {
  /** What the child is, for the registry and messages: "training job nsmc-1", "container i-0abc". */
  label: string;
  /** Arguments to this Node binary (`nodeEntry(...)` plus the module's own arguments). */
  args: readonly string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** SIGTERM to SIGKILL when stopping (default 3 s). */
  graceMs?: number;
  /** Lead a process group of its own (a new session), so stop() ends everything it started. */
  ownGroup?: boolean;
  registry?: ProcessRegistry;
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

const DEFAULT_GRACE_MS = 3_000;

/** Every child still running (and how to signal it), so even an abrupt exit of the server leaves none behind. */
const running = new Map<number, (pid: number, signal: NodeJS.Signals) => void>();

process.once("exit", () => {
  for (const [pid, signal] of running) signal(pid, "SIGKILL");
});

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export class SupervisedChild {
  private readonly child: ChildProcess;
  private stopping = false;
  private readonly exited: Promise<ChildExit>;
  private readonly graceMs: number;
  private readonly signal: (pid: number, signal: NodeJS.Signals) => void;

  constructor(spec: ChildSpec) {
    this.graceMs = spec.graceMs ?? DEFAULT_GRACE_MS;
    this.signal = spec.ownGroup ? signalGroup : signalProcess;
    this.child = spawn(process.execPath, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: spec.ownGroup === true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const pid = this.child.pid;
    if (pid !== undefined) {
      running.set(pid, this.signal);
      spec.registry?.add(pid, spec.label, spec.ownGroup === true);
    }
    const streamsClosed = (["stdout", "stderr"] as const).map((name) => {
      const stream = this.child[name];
      if (!stream) return Promise.resolve();
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on("line", (line) => spec.onLine(name, line));
      return new Promise<void>((resolve) => lines.once("close", resolve));
    });
    if (spec.onMessage) this.child.on("message", spec.onMessage);
    // A child that exits while a message is on its way must not crash the server with EPIPE.
    this.child.on("error", () => undefined);
    this.exited = new Promise((resolve) => {
      const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (pid !== undefined) {
          // Whatever the leader started and left behind goes with it.
          if (spec.ownGroup) signalGroup(pid, "SIGKILL");
          running.delete(pid);
          spec.registry?.remove(pid);
        }
        // Report the exit after the last output line, so a crash reason can quote it.
        void Promise.all(streamsClosed).then(() => resolve({ code, signal, requested: this.stopping }));
      };
      this.child.once("error", (error) => {
        spec.onLine("stderr", `Could not start ${spec.label}: ${error.message}`);
        settle(null, null);
      });
      this.child.once("exit", settle);
    });
    void this.exited.then(spec.onExit);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get done(): Promise<ChildExit> {
    return this.exited;
  }

  send(message: unknown): void {
    if (this.alive && this.child.connected) this.child.send(message as object);
  }

  /** Ends the child's group: SIGTERM, then SIGKILL after the grace period. Resolves once the leader has exited. */
  async stop(): Promise<ChildExit> {
    this.stopping = true;
    const pid = this.child.pid;
    if (this.alive && pid !== undefined) {
      this.signal(pid, "SIGTERM");
      const timer = setTimeout(() => this.signal(pid, "SIGKILL"), this.graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  /** Ends the group at once (server shutdown): no grace. */
  kill(): void {
    this.stopping = true;
    const pid = this.child.pid;
    if (pid !== undefined && this.alive) this.signal(pid, "SIGKILL");
  }
}

/** The restart rule: a child that dies `limit` times within `windowMs` is given up on. */
export class CrashWindow {
  private readonly deaths: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records a death; true when the limit is reached. */
  record(now = Date.now()): boolean {
    this.deaths.push(now);
    while (this.deaths.length > 0 && (this.deaths[0] as number) < now - this.windowMs) this.deaths.shift();
    return this.deaths.length >= this.limit;
  }

  get count(): number {
    return this.deaths.length;
  }
}

interface RegisteredProcess {
  pid: number;
  label: string;
  /** Whether it leads its own process group (then the whole group is ended). */
  group: boolean;
  /** The kernel's start time of the process (Linux), so a pid reused since is never killed by mistake. */
  started?: string;
}

/**
 * The children of this server, in `<state>/processes.json`. A server that crashed cannot end its children itself;
 * its successor reads this file first and ends the groups that are still running (they also end themselves when
 * they notice the server is gone; this is the second line).
 */
export class ProcessRegistry {
  private readonly file: string;
  private readonly entries = new Map<number, RegisteredProcess>();

  constructor(stateDir: string) {
    this.file = join(stateDir, "processes.json");
  }

  /** Ends what a previous server left running; returns what was ended, for the log. */
  reapLeftovers(): string[] {
    const previous =
      readJsonFile<RegisteredProcess[]>(this.file, "the list of a previous server's processes") ?? [];
    const reaped: string[] = [];
    for (const entry of previous) {
      if (entry.pid === process.pid || !Number.isInteger(entry.pid) || entry.pid <= 1) continue;
      // Without a start time to compare (no /proc), a pid that may have been reused is left alone.
      if (entry.started === undefined || !isAlive(entry.pid) || startTime(entry.pid) !== entry.started)
        continue;
      (entry.group ? signalGroup : signalProcess)(entry.pid, "SIGKILL");
      reaped.push(`${entry.label} (pid ${entry.pid})`);
    }
    this.save();
    return reaped;
  }

  add(pid: number, label: string, group: boolean): void {
    this.entries.set(pid, { pid, label, group, started: startTime(pid) });
    this.save();
  }

  remove(pid: number): void {
    if (this.entries.delete(pid)) this.save();
  }

  private save(): void {
    try {
      writeFileAtomically(this.file, JSON.stringify([...this.entries.values()]));
    } catch {
      // The state folder went away (tests remove it): the in-process kill on exit still holds.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A zombie has exited already (it ended with its server) and only waits for a reaper: nothing to end.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return true;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined where /proc is absent. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
