/**
 * `cleanupOnShutdown(session, { lab })`, one line in the first cell of every lab that creates billable resources:
 * when the Jupyter kernel shuts down or restarts (Kernel > Shut Down / Restart, closing the notebook's kernel, the
 * server stopping), the lab's workshop sweep runs, so an endpoint a failed or abandoned notebook left behind does
 * not keep billing.
 *
 * How the tslab kernel allows it: the notebook's code runs in the kernel process itself, so the hook is plain
 * process code. Jupyter stops a kernel by sending `shutdown_request` (tslab answers, then closes its sockets), then
 * SIGTERM after half of `shutdown_wait_time` (5 s by default), then SIGKILL after the other half. The hook starts
 * the sweep when tslab handles the request (by wrapping its handler's `handleShutdown`) and keeps the process alive
 * on SIGTERM/SIGHUP until the sweep is done, so it has about 5 s: enough for the deletions, which are sent without
 * waiting for endpoints to finish deleting. A SIGKILL at once (Jupyter's "now" shutdown, a crash) cannot be hooked;
 * the cleanup cell and `npm run local -- status` / the console remain the way to check.
 * The headless runner (`npm run labs`) does its own sweep after a failure, so there the hook stays off.
 */
import { appendFileSync, mkdirSync, writeSync } from "node:fs";
import path from "node:path";
import { withParticle } from "../common/josa";
import { projectRoot } from "../project";
import { cleanupWorkshopResources, describeDeleted } from "../sagemaker/cleanup";
import type { WorkshopSession } from "../sagemaker/session";

interface Registration {
  session: WorkshopSession;
  lab: string;
}

interface HookState {
  installed: boolean;
  labs: Map<string, Registration>;
  running?: Promise<void>;
}

const KEY = Symbol.for("ko-sagemaker.shutdown-cleanup");

function state(): HookState {
  const holder = globalThis as { [KEY]?: HookState };
  holder[KEY] ??= { installed: false, labs: new Map() };
  return holder[KEY];
}

/**
 * True in a Jupyter kernel started by tslab (`tslab kernel --config-path ...`) or by the project's kernel wrapper
 * (`dist/notebook/tslab-kernel.js --config-path ...`, what `npm run kernel` registers), false in the headless runner.
 */
export function inTslabKernel(argv: readonly string[] = process.argv): boolean {
  const script = argv[1] ?? "";
  if (/[\\/]notebook[\\/]tslab-kernel\.[jt]s$/.test(script)) return true;
  return /tslab([\\/]bin[\\/]tslab)?(\.js)?$/.test(script) && argv.includes("kernel");
}

/** Where each shutdown sweep is written down (the kernel has no cell left to print into). */
export function shutdownLogFile(): string {
  return path.join(projectRoot(), ".work", "kernel-shutdown-cleanup.log");
}

function log(line: string): void {
  const text = `${new Date().toISOString()} ${line}\n`;
  try {
    mkdirSync(path.dirname(shutdownLogFile()), { recursive: true });
    appendFileSync(shutdownLogFile(), text);
  } catch {
    // a read-only checkout: the line in the Jupyter server's log remains
  }
  try {
    // Straight to the process's stdout (the Jupyter server's terminal): tslab's patched process.stdout.write
    // sends to the notebook's socket, which is closed once the kernel shuts down.
    writeSync(1, text);
  } catch {
    // no stdout
  }
}

/** Runs every registered sweep once; later calls get the same promise. */
function runSweeps(why: string): Promise<void> {
  const hook = state();
  hook.running ??= (async () => {
    for (const { session, lab } of hook.labs.values()) {
      log(`kernel ${why}: sweeping lab ${lab} (${session.mode})`);
      try {
        const deleted = await cleanupWorkshopResources(session, { lab, verbose: false, wait: false });
        log(`kernel ${why}: lab ${lab} (${session.mode}) sweep deleted ${describeDeleted(deleted)}`);
      } catch (error) {
        log(`kernel ${why}: lab ${lab} sweep FAILED: ${(error as Error).message}`);
      }
    }
  })();
  return hook.running;
}

interface TslabHandlerPrototype {
  handleShutdown(request: { restart?: boolean }): unknown;
}

function install(): void {
  const hook = state();
  if (hook.installed) return;
  hook.installed = true;
  // The shutdown (or restart) request: tslab replies and closes its sockets; the sweep's requests keep the
  // process alive until they are done.
  try {
    const jupyter = require("tslab/dist/jupyter") as {
      JupyterHandlerImpl?: { prototype: TslabHandlerPrototype };
    };
    const proto = jupyter.JupyterHandlerImpl?.prototype;
    if (proto) {
      const original = proto.handleShutdown;
      proto.handleShutdown = function (this: unknown, request: { restart?: boolean }) {
        void runSweeps(request?.restart ? "restart" : "shutdown");
        return original.call(this, request);
      };
    }
  } catch {
    // another tslab layout: the signals below still apply
  }
  // Jupyter's SIGTERM (and a closed terminal's SIGHUP): finish the sweep, then end as the signal would have.
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      void runSweeps(signal).finally(() => process.exit(0));
    });
  }
  process.once("beforeExit", () => {
    void runSweeps("exit");
  });
}

export interface CleanupOnShutdownOptions {
  /** The lab whose resources the sweep deletes (their `ko-sagemaker:lab` tag). */
  lab: string;
}

/**
 * Registers the lab's sweep for the kernel's shutdown or restart and says so; re-running the cell replaces the
 * registration. Returns whether a hook was registered (only in a tslab Jupyter kernel).
 */
export function cleanupOnShutdown(session: WorkshopSession, options: CleanupOnShutdownOptions): boolean {
  if (!inTslabKernel()) return false;
  const hook = state();
  hook.labs.set(options.lab, { session, lab: options.lab });
  hook.running = undefined;
  install();
  console.log(
    `커널을 종료하거나 다시 시작하면 ${withParticle(`lab ${options.lab}`, "이/가")} 만든 리소스를 정리합니다 ` +
      `(on kernel shutdown or restart, lab ${options.lab}'s resources are deleted; log: .work/kernel-shutdown-cleanup.log).`,
  );
  return true;
}
