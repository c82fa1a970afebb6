import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Durable state for local SageMaker: one JSON document per resource, in a folder per collection.
 *
 * Every write goes to a temporary file renamed over the target, so a crash mid-write leaves the old document or
 * the new one, never a torn file; the temporaries a crash leaves behind are swept when a collection opens. A
 * document that cannot be read anyway (a disk fault, an edit by hand) is moved aside as `<file>.corrupt-<time>`
 * and reported once with what was lost, so one bad record never stops the server or answers 500.
 */

const TEMPORARY = /\.tmp-[0-9a-f]{12}$/;

/** Writes `data` to `target` through a temporary file and a rename (the one atomic-write helper). */
export function writeFileAtomically(target: string, data: string | Buffer, mode?: number): void {
  const temporary = `${target}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    writeFileSync(temporary, data, mode === undefined ? undefined : { mode });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Removes the temporaries interrupted writes left in a folder (not recursive). */
export function sweepTemporaries(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (TEMPORARY.test(name)) rmSync(join(dir, name), { force: true });
}

/** Who hears about records moved aside (the server's log by default; tests listen in). */
export type CorruptionReporter = (report: {
  file: string;
  movedTo: string;
  what: string;
  why: string;
}) => void;

let reporter: CorruptionReporter = ({ file, movedTo, what, why }) => {
  process.stderr.write(
    `local-sagemaker: ${what} could not be read (${why}); it was moved aside from ${file} to ${movedTo} and is lost to the server. Restore it from there if you can.\n`,
  );
};

export function onCorruptRecord(report: CorruptionReporter): void {
  reporter = report;
}

/** Moves an unreadable file aside and reports it; `what` names the lost thing for a person. */
export function quarantine(file: string, what: string, why: string): void {
  const movedTo = join(
    dirname(file),
    `${basename(file)}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`,
  );
  try {
    renameSync(file, movedTo);
  } catch {
    return; // gone already: nothing to move, nothing more to say
  }
  reporter({ file, movedTo, what, why });
}

/** Why `value` is not a record with the `required` members (dotted paths), or undefined when it is one. */
function notARecord(value: unknown, required: readonly string[]): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a JSON object";
  for (const path of required) {
    let at: unknown = value;
    for (const part of path.split(".")) at = (at as Record<string, unknown> | null | undefined)?.[part];
    if (at === undefined || at === null) return `it has no ${path}`;
  }
  return undefined;
}

/**
 * Parses a JSON file; undefined when it does not exist; quarantined (and undefined) when it cannot be parsed, or,
 * given `required`, when it is not an object with those members (valid JSON that is no record is damage too).
 */
export function readJsonFile<T>(file: string, what: string, required?: readonly string[]): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    quarantine(file, what, (error as Error).message);
    return undefined;
  }
  const wrong = required === undefined ? undefined : notARecord(value, required);
  if (wrong !== undefined) {
    quarantine(file, what, wrong);
    return undefined;
  }
  return value as T;
}

export class JsonStore<T> {
  private readonly dir: string;
  /** The records found unreadable when the collection opened (moved aside and reported by then). */
  readonly damaged: readonly string[];

  /**
   * `describe` names a record for a person ("training job nsmc-1") when it has to be moved aside; `required`
   * lists the members (dotted paths) every reader relies on, so a record without them counts as damaged. Opening
   * the collection sweeps temporaries and reads every record once, so damage is found and reported at start, not
   * at whichever request happens to read the record first.
   */
  constructor(
    root: string,
    collection: string,
    private readonly describe: (name: string) => string = (name) => `${collection} record ${name}`,
    private readonly required: readonly string[] = [],
  ) {
    this.dir = join(root, collection);
    mkdirSync(this.dir, { recursive: true });
    sweepTemporaries(this.dir);
    const damaged: string[] = [];
    for (const file of readdirSync(this.dir)) {
      if (!file.endsWith(".json")) continue;
      const name = decodeURIComponent(file.slice(0, -5));
      if (readJsonFile<T>(join(this.dir, file), this.describe(name), this.required) === undefined)
        damaged.push(name);
    }
    this.damaged = damaged;
  }

  get(name: string): T | undefined {
    return readJsonFile<T>(this.file(name), this.describe(name), this.required);
  }

  put(name: string, value: T): void {
    writeFileAtomically(this.file(name), JSON.stringify(value, null, 1));
  }

  delete(name: string): void {
    rmSync(this.file(name), { force: true });
  }

  list(): T[] {
    return readdirSync(this.dir)
      .filter((file) => file.endsWith(".json"))
      .sort()
      .flatMap((file) => {
        const record = readJsonFile<T>(
          join(this.dir, file),
          this.describe(decodeURIComponent(file.slice(0, -5))),
          this.required,
        );
        return record === undefined ? [] : [record];
      });
  }

  /** Resource names are validated by the services; the encoding keeps any name inside the folder anyway. */
  private file(name: string): string {
    return join(this.dir, `${encodeURIComponent(name)}.json`);
  }
}
