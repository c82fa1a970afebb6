import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Durable state for local SageMaker: one JSON document per resource, in a folder per collection.
 * Writes go to a temporary file that is renamed over the target, so a crash mid-write leaves either
 * the old document or the new one, never a torn file.
 */
export class JsonStore<T> {
  private readonly dir: string;

  constructor(root: string, collection: string) {
    this.dir = join(root, collection);
    mkdirSync(this.dir, { recursive: true });
  }

  get(name: string): T | undefined {
    try {
      return JSON.parse(readFileSync(this.file(name), "utf8")) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  put(name: string, value: T): void {
    const target = this.file(name);
    const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temporary, JSON.stringify(value, null, 1));
    renameSync(temporary, target);
  }

  delete(name: string): void {
    rmSync(this.file(name), { force: true });
  }

  list(): T[] {
    return readdirSync(this.dir)
      .filter((file) => file.endsWith(".json"))
      .sort()
      .map((file) => JSON.parse(readFileSync(join(this.dir, file), "utf8")) as T);
  }

  /** Resource names are validated by the services; the encoding keeps any name inside the folder anyway. */
  private file(name: string): string {
    return join(this.dir, `${encodeURIComponent(name)}.json`);
  }
}
