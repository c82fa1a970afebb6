import { performance } from "node:perf_hooks";
import { type ContainerAnswer, type ContainerRequest, InvocationFailure } from "./invocation";
import { type InstanceInvokeOptions, type InstanceSpec, ModelInstance } from "./model-instance";

/**
 * The instances of one prepared model for one purpose (a production variant, a batch transform job), and who
 * gets which: requests are leased to instances round robin among those that are up and have a free slot.
 *
 * - A standing fleet (instance-based variants, transform jobs) is scaled to a count and never refuses for want of
 *   a slot: each instance takes as many requests at once as its model server does.
 * - A serverless fleet (OnDemand) starts an instance when a request finds none free (a cold start), gives each one
 *   request at a time, grows to MaxConcurrency and refuses beyond it (throttling), keeps ProvisionedConcurrency
 *   instances warm and stops the others after they sat idle for the idle time.
 * - An asynchronous endpoint's queue asks for at most MaxConcurrentInvocationsPerInstance per instance and waits
 *   for a slot instead of being refused (`whenFree`).
 */

export interface OnDemand {
  /** MaxConcurrency: instances (and so requests in flight) at most. */
  maxInstances: number;
  /** ProvisionedConcurrency: instances kept warm. */
  warmInstances: number;
  /** An instance beyond the warm ones stops after this long without a request. */
  idleMs: number;
  /** The server-wide budget of on-demand instances (LOCAL_SAGEMAKER_MAX_INSTANCES). */
  budget: InstanceBudget;
}

/** What every instance of the fleet is (InstanceSpec), and how the fleet hands out requests. */
export interface FleetSpec extends Omit<InstanceSpec, "restart" | "onDown"> {
  /** Requests one instance takes at once (unlimited when absent; 1 for serverless). */
  slotsPerInstance?: number;
  onDemand?: OnDemand;
  /** A serverless cold start came up: how long it took (ModelSetupTime). */
  onColdStart?(setupMs: number): void;
}

/** What a request holds while it runs: the instance, and the way back. */
export interface Lease {
  readonly instance: ModelInstance;
  release(): void;
}

/** Counts on-demand instances over every serverless fleet of the server, so a burst cannot fork without end. */
export class InstanceBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  take(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  give(): void {
    this.used = Math.max(0, this.used - 1);
  }
}

interface Member {
  instance: ModelInstance;
  inFlight: number;
  idleTimer?: NodeJS.Timeout;
  /** Kept up (a standing instance, or a serverless one kept warm); the others go when idle. */
  standing: boolean;
  /** Counted in the server's on-demand budget. */
  budgeted: boolean;
}

export class Fleet {
  private readonly members: Member[] = [];
  private next = 0;
  private readonly waiters: (() => void)[] = [];
  private stopped = false;

  constructor(readonly spec: FleetSpec) {}

  get instances(): readonly ModelInstance[] {
    return this.members.map((member) => member.instance);
  }

  get hostnames(): string[] {
    return this.spec.containers.map((container) => container.hostname);
  }

  get readyCount(): number {
    return this.members.filter((member) => member.instance.ready).length;
  }

  get pids(): number[] {
    return this.members.flatMap((member) => member.instance.pids);
  }

  get inFlight(): number {
    return this.members.reduce((sum, member) => sum + member.inFlight, 0);
  }

  get serverless(): boolean {
    return this.spec.onDemand !== undefined;
  }

  /** Runs one request on a leased instance. Rejects with an InvocationFailure (throttled, not-ready, ...). */
  async invoke(request: ContainerRequest, options: InstanceInvokeOptions): Promise<ContainerAnswer> {
    const lease = await this.lease();
    try {
      const started = performance.now();
      const answer = await lease.instance.invoke(request, options);
      answer.modelLatencyUs = (performance.now() - started) * 1000;
      return answer;
    } finally {
      lease.release();
    }
  }

  /**
   * An instance with a free slot, or, for a serverless fleet below its ceiling, a new one once it is up.
   * Rejects with InvocationFailure "throttled" (serverless at its ceiling), "not-ready" (no instance is up) or
   * "start-failed" (a cold start that did not come up).
   */
  async lease(): Promise<Lease> {
    const member = this.freeMember();
    if (member) return this.hold(member);
    const onDemand = this.spec.onDemand;
    if (!onDemand) {
      throw new InvocationFailure(
        "not-ready",
        this.members.length === 0 ? "no instance is running" : "no instance is up right now (restarting)",
      );
    }
    if (this.members.length >= onDemand.maxInstances) {
      throw new InvocationFailure(
        "throttled",
        `all ${onDemand.maxInstances} concurrent invocations the variant's MaxConcurrency allows are in flight`,
      );
    }
    if (!onDemand.budget.take()) {
      throw new InvocationFailure(
        "throttled",
        `local SageMaker runs at most ${onDemand.budget.limit} serverless containers at once (LOCAL_SAGEMAKER_MAX_INSTANCES)`,
      );
    }
    const started = this.addMember({ standing: false, budgeted: true });
    // The cold start's own request holds the slot from the start, so no other request takes the new instance.
    started.inFlight = 1;
    const begun = performance.now();
    try {
      await started.instance.start();
    } catch (error) {
      this.dropMember(started);
      throw new InvocationFailure("start-failed", (error as Error).message);
    }
    if (this.stopped) {
      this.dropMember(started);
      throw new InvocationFailure("not-ready", "the endpoint is being updated or deleted");
    }
    this.spec.onColdStart?.(performance.now() - begun);
    started.inFlight = 0;
    return this.hold(started);
  }

  /** Whether a lease would be granted now without waiting or a cold start. */
  hasFreeSlot(): boolean {
    return this.freeMember() !== undefined;
  }

  /** Resolves when a slot may have freed up or an instance came up (the caller checks again). */
  whenFree(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Starts or stops standing instances until there are `count`; rejects when a new one cannot start. */
  async scale(count: number): Promise<void> {
    const starting: Promise<void>[] = [];
    while (this.members.length < count) {
      const member = this.addMember({ standing: true, budgeted: false });
      starting.push(member.instance.start().then(() => this.wake()));
    }
    const surplus = this.members.splice(count);
    await Promise.all([...starting, ...surplus.map((member) => this.stopMember(member))]);
  }

  /** A serverless fleet's warm instances (ProvisionedConcurrency), started with the deployment. */
  async warmUp(): Promise<void> {
    const warm = this.spec.onDemand?.warmInstances ?? 0;
    await this.scale(warm);
  }

  /** ServerlessUpdateConfig: a new ceiling and a new number of warm instances. */
  async reconfigure(config: { MaxConcurrency?: number; ProvisionedConcurrency?: number }): Promise<void> {
    const onDemand = this.spec.onDemand;
    if (!onDemand) return;
    onDemand.maxInstances = config.MaxConcurrency ?? onDemand.maxInstances;
    onDemand.warmInstances = config.ProvisionedConcurrency ?? 0;
    const standing = this.members.filter((member) => member.standing);
    while (standing.length < onDemand.warmInstances) {
      const member = this.addMember({ standing: true, budgeted: false });
      standing.push(member);
      await member.instance.start();
      this.wake();
    }
    for (const member of standing.splice(onDemand.warmInstances)) {
      // No longer kept warm: it goes now, or once its request is done.
      member.standing = false;
      if (member.inFlight === 0) this.dropMember(member);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await Promise.all(this.members.splice(0).map((member) => this.stopMember(member)));
  }

  private freeMember(): Member | undefined {
    const slots = this.spec.slotsPerInstance ?? Number.POSITIVE_INFINITY;
    for (let tried = 0; tried < this.members.length; tried++) {
      const member = this.members[this.next++ % this.members.length] as Member;
      if (member.instance.ready && member.inFlight < slots) return member;
    }
    return undefined;
  }

  private hold(member: Member): Lease {
    member.inFlight++;
    clearTimeout(member.idleTimer);
    member.idleTimer = undefined;
    let released = false;
    return {
      instance: member.instance,
      release: () => {
        if (released) return;
        released = true;
        member.inFlight--;
        if (member.inFlight === 0) this.idleFrom(member);
        this.wake();
      },
    };
  }

  /** A serverless instance beyond the warm ones goes after the idle time; standing instances stay. */
  private idleFrom(member: Member): void {
    const onDemand = this.spec.onDemand;
    if (!onDemand || this.stopped) return;
    if (member.standing || !this.members.includes(member)) return;
    member.idleTimer = setTimeout(() => {
      if (member.inFlight > 0) return;
      this.dropMember(member);
    }, onDemand.idleMs);
    member.idleTimer.unref();
  }

  private addMember(kind: { standing: boolean; budgeted: boolean }): Member {
    const member: Member = {
      ...kind,
      inFlight: 0,
      instance: new ModelInstance({
        ...this.spec,
        // An on-demand serverless instance that dies is not restarted: the next request starts a fresh one.
        restart: kind.standing,
        onDown: () => this.dropMember(member),
      }),
    };
    this.members.push(member);
    return member;
  }

  private dropMember(member: Member): void {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    void this.stopMember(member);
  }

  private async stopMember(member: Member): Promise<void> {
    clearTimeout(member.idleTimer);
    if (member.budgeted) {
      member.budgeted = false;
      this.spec.onDemand?.budget.give();
    }
    await member.instance.stop();
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
