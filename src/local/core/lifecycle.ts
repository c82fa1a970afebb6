/**
 * Declared lifecycles: each resource kind names its statuses and the moves between them in one table, and every
 * status change goes through `transition()`, which refuses a move the table does not list (a bug of ours, so it
 * throws), applies the kind's own bookkeeping (closing the previous SecondaryStatusTransition, FailureReason, end
 * times), stamps LastModifiedTime and persists. No service assigns a status anywhere else.
 */

export class IllegalTransition extends Error {
  constructor(kind: string, name: string, from: string, to: string, legal: readonly string[]) {
    super(
      `${kind} ${name}: ${from} → ${to} is not a legal move (from ${from}: ${legal.length ? legal.join(", ") : "none, it is final"}).`,
    );
    this.name = "IllegalTransition";
  }
}

/** What a move records beside the new status. */
export interface StatusChange {
  /** Why (FailureReason for failures; the rollback reason of an endpoint). */
  reason?: string;
  /** What the status history says of the step (training's StatusMessage). */
  message?: string;
  /** When it happened; default now. */
  at?: number;
}

export interface LifecycleSpec<R, S extends string> {
  /** For messages: "training job", "endpoint". */
  kind: string;
  /** Every status and where it may go next; an empty list marks a final status. */
  moves: { readonly [K in S]: readonly S[] };
  name(record: R): string;
  status(record: R): S;
  /** Sets the status and whatever the kind keeps with it (the only place a status is assigned). */
  apply(record: R, to: S, change: StatusChange, at: number): void;
}

export class Lifecycle<R extends { LastModifiedTime: number }, S extends string> {
  constructor(private readonly spec: LifecycleSpec<R, S>) {}

  get kind(): string {
    return this.spec.kind;
  }

  statuses(): S[] {
    return Object.keys(this.spec.moves) as S[];
  }

  next(from: S): readonly S[] {
    return this.spec.moves[from] ?? [];
  }

  canMove(from: S, to: S): boolean {
    return this.next(from).includes(to);
  }

  isFinal(status: S): boolean {
    return this.next(status).length === 0;
  }

  status(record: R): S {
    return this.spec.status(record);
  }

  /** Moves `record` to `to`, or throws IllegalTransition; `save` persists the changed record. */
  transition(record: R, to: S, change: StatusChange, save: (record: R) => void): R {
    const from = this.spec.status(record);
    if (!this.canMove(from, to)) {
      throw new IllegalTransition(this.spec.kind, this.spec.name(record), from, to, this.next(from));
    }
    const at = change.at ?? Date.now();
    this.spec.apply(record, to, change, at);
    record.LastModifiedTime = at;
    save(record);
    return record;
  }
}
