import { storeKey } from "../../core/arns";
import type { AwsError } from "../../core/errors";
import type { Lifecycle, StatusChange } from "../../core/lifecycle";
import { JsonStore } from "../../core/store";

/**
 * The durable side every kind of SageMaker job shares (training, processing, transform): one JSON document per job,
 * found by name or answered with the kind's own not-found error, edited and saved, moved only through the kind's
 * lifecycle table, and after a restart, jobs that were still running Failed with the reason the kind gives.
 */

export interface JobRecordsSpec<J, S extends string> {
  stateDir: string;
  /** The state sub-folder: "sagemaker-training-jobs". */
  collection: string;
  lifecycle: Lifecycle<J & { LastModifiedTime: number }, S>;
  /** The job's name in its record. */
  nameOf(job: J): string;
  /** What DescribeX and StopX answer for a job that does not exist (ValidationException or ResourceNotFound). */
  missing(name: string): AwsError;
  /** Fields a readable record must have (JsonStore moves one without them aside). */
  requiredFields?: readonly string[];
  /** Hears every status change after it is saved (experiments' trial components). */
  onChange?(job: J): void;
}

export class JobRecords<J extends { LastModifiedTime: number }, S extends string> {
  private readonly store: JsonStore<J>;

  constructor(private readonly spec: JobRecordsSpec<J, S>) {
    const kind = spec.lifecycle.kind;
    this.store = new JsonStore<J>(
      spec.stateDir,
      spec.collection,
      (name) => `${kind} ${name}`,
      spec.requiredFields,
    );
  }

  find(name: string): J | undefined {
    return this.store.get(storeKey(name));
  }

  require(name: string | undefined): J {
    const job = name === undefined ? undefined : this.find(name);
    if (!job) throw this.spec.missing(name ?? "");
    return job;
  }

  list(): J[] {
    return this.store.list();
  }

  /** A new job's first save (its name must be free: the caller checked). */
  create(job: J): void {
    this.save(job);
  }

  /** Loads the job, applies an edit that is not a status change (start time, log stream, metrics) and saves it. */
  update(name: string, edit: (job: J) => void): J {
    const job = this.require(name);
    edit(job);
    job.LastModifiedTime = Date.now();
    this.save(job);
    return job;
  }

  /** The one way a job's status changes (see the kind's table in ../lifecycles). */
  transition(name: string, to: S, change: StatusChange = {}): J {
    const job = this.spec.lifecycle.transition(this.require(name), to, change, (changed) =>
      this.save(changed),
    );
    this.spec.onChange?.(job);
    return job;
  }

  /** After a restart: every job not in a final status died with the previous server and is Failed with `reason`. */
  failInterrupted(reason: string): void {
    const { lifecycle } = this.spec;
    for (const job of this.store.list()) {
      if (lifecycle.isFinal(lifecycle.status(job))) continue;
      this.transition(this.spec.nameOf(job), "Failed" as S, { reason });
    }
  }

  private save(job: J): void {
    this.store.put(storeKey(this.spec.nameOf(job)), job);
  }
}

/** Server shutdown: each run's processes are ended; their records keep their status until the next start. */
export async function abandonRuns(
  runs: Iterable<{ abandon(): void; done: Promise<unknown> }>,
): Promise<void> {
  const all = [...runs];
  for (const run of all) run.abandon();
  await Promise.all(all.map((run) => run.done));
}
