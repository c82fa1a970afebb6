import type { ProcessRegistry } from "../../../core/processes";
import type { ServiceContext } from "../../context";
import type { PreparedContainer } from "./model-files";
import { type ExecutionMode, ModelInstance } from "./model-instance";

/**
 * The instances of one prepared model for one purpose (a production variant, a batch transform job): started and
 * stopped to a count, picked round robin among those that are up.
 */

export interface FleetSpec {
  ctx: ServiceContext;
  containers: readonly PreparedContainer[];
  mode: ExecutionMode;
  logGroup: string;
  logStream(instanceId: string, hostname: string): string;
  startupTimeoutMs: number;
  registry?: ProcessRegistry;
  environment?: Record<string, string>;
  onGiveUp(reason: string): void;
}

export class Fleet {
  readonly instances: ModelInstance[] = [];
  private next = 0;

  constructor(readonly spec: FleetSpec) {}

  get hostnames(): string[] {
    return this.spec.containers.map((container) => container.hostname);
  }

  get readyCount(): number {
    return this.instances.filter((instance) => instance.ready).length;
  }

  get pids(): number[] {
    return this.instances.flatMap((instance) => instance.pids);
  }

  /** Round robin over the instances that are up; undefined when none is (all restarting). */
  pick(): ModelInstance | undefined {
    for (let tried = 0; tried < this.instances.length; tried++) {
      const instance = this.instances[this.next++ % this.instances.length] as ModelInstance;
      if (instance.ready) return instance;
    }
    return undefined;
  }

  /** Starts or stops instances until there are `count`; rejects when a new one cannot start. */
  async scale(count: number): Promise<void> {
    const starting: Promise<void>[] = [];
    while (this.instances.length < count) {
      const instance = new ModelInstance(this.spec);
      this.instances.push(instance);
      starting.push(instance.start());
    }
    const surplus = this.instances.splice(count);
    await Promise.all([...starting, ...surplus.map((instance) => instance.stop())]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.splice(0).map((instance) => instance.stop()));
  }
}
