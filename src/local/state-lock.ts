import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * One server per state folder. Two servers on one folder would each run the other's jobs and endpoints
 * from their records without owning the processes, so the second one refuses to start and says who holds it.
 * A lock left by a crashed server (its pid is gone) is taken over.
 */
export interface StateLock {
  release(): void;
}

interface LockRecord {
  pid: number;
  url: string;
}

const LOCK_FILE = "server.lock";

export function lockStateDir(stateDir: string, url: string): StateLock {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, LOCK_FILE);
  const holder = readLock(file);
  if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
    throw new Error(
      `The state folder ${stateDir} is in use by another local SageMaker (pid ${holder.pid}, ${holder.url}). ` +
        "Use that server (LOCAL_SAGEMAKER_URL), stop it (POST /_local/shutdown), or choose another folder " +
        "(--state-dir, or LOCAL_SAGEMAKER_STATE_DIR).",
    );
  }
  const record: LockRecord = { pid: process.pid, url };
  writeFileSync(file, JSON.stringify(record));
  return {
    release: () => {
      if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}

function readLock(file: string): LockRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LockRecord;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
