import type { SchedulerRegistry } from '@nestjs/schedule';

/** Named one-shot timers (one per job): Nest's scheduler registry in the app, a hand-driven stand-in in unit tests. */
export interface Timers {
  /** Replaces the timer of that name. */
  set(name: string, ms: number, run: () => void): void;
  clear(name: string): void;
  names(): string[];
}

export function schedulerTimers(registry: SchedulerRegistry): Timers {
  const clear = (name: string) => {
    if (registry.doesExist('timeout', name)) registry.deleteTimeout(name);
  };
  return {
    set(name, ms, run) {
      clear(name);
      registry.addTimeout(
        name,
        setTimeout(() => {
          clear(name);
          run();
        }, ms),
      );
    },
    clear,
    names: () => registry.getTimeouts(),
  };
}
