import { randomUUID } from "node:crypto";
import { JsonStore } from "../../core/store";

/**
 * The queue of asynchronous invocations (InvocationType Event). Each event is a document in
 * `<state>/lambda/events/` until it has run, so a server that stops or crashes runs what was queued when it comes
 * back. Events run as the function's concurrency allows (a throttled event waits and tries again, as Lambda's
 * queue does); a failed invocation is retried twice, as Lambda retries asynchronous invocations, after
 * RETRY_DELAYS_MS (Lambda waits about 1 and 2 minutes; locally seconds, so a lab sees the retries).
 */

export interface QueuedEvent {
  id: string;
  functionName: string;
  payload: string;
  /** Attempts made so far (0, 1, 2). */
  attempts: number;
  /** Not before this time (epoch ms). */
  due: number;
  enqueuedAt: number;
}

export const RETRY_DELAYS_MS = [1_000, 2_000] as const;
const THROTTLE_DELAY_MS = 200;

/** What running an event came to: done (succeeded, or failed for good), failed (retry), or throttled. */
export type EventOutcome = "done" | "failed" | "throttled";

export class EventQueue {
  private readonly store: JsonStore<QueuedEvent>;
  private readonly running = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    stateDir: string,
    private readonly run: (event: QueuedEvent) => Promise<EventOutcome>,
  ) {
    this.store = new JsonStore<QueuedEvent>(stateDir, "events", (id) => `queued Lambda event ${id}`);
  }

  /** The request id of the queued invocation. */
  enqueue(functionName: string, payload: string): string {
    const now = Date.now();
    const id = randomUUID();
    this.store.put(id, { id, functionName, payload, attempts: 0, due: now, enqueuedAt: now });
    this.schedule(0);
    return id;
  }

  /** The function is gone: its events with it. */
  dropFunction(functionName: string): void {
    for (const event of this.store.list())
      if (event.functionName === functionName) this.store.delete(event.id);
  }

  /** Starts every event that is due and not running; called on start, on enqueue, and by its own timer. */
  pump(): void {
    if (this.stopped) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const event of this.store.list().sort((a, b) => a.enqueuedAt - b.enqueuedAt)) {
      if (this.running.has(event.id)) continue;
      if (event.due > now) {
        next = Math.min(next, event.due - now);
        continue;
      }
      this.running.add(event.id);
      void this.attempt(event);
    }
    if (Number.isFinite(next)) this.schedule(next);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(event: QueuedEvent): Promise<void> {
    let outcome: EventOutcome;
    try {
      outcome = await this.run(event);
    } catch {
      outcome = "failed";
    }
    this.running.delete(event.id);
    if (this.stopped) return;
    // Deleted meanwhile (the function went away): nothing to keep.
    if (this.store.get(event.id) === undefined) return;
    if (outcome === "throttled") {
      this.store.put(event.id, { ...event, due: Date.now() + THROTTLE_DELAY_MS });
    } else if (outcome === "failed" && event.attempts < RETRY_DELAYS_MS.length) {
      const delay = RETRY_DELAYS_MS[event.attempts] as number;
      this.store.put(event.id, { ...event, attempts: event.attempts + 1, due: Date.now() + delay });
    } else {
      this.store.delete(event.id);
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), delayMs);
    this.timer.unref();
  }
}
