import { vi, type Mock } from 'vitest';

type Method = (...args: any[]) => any;

/** The double's methods are vitest mocks too, so a test can stub per case and assert calls. */
export type StrictMock<T> = T & {
  [K in keyof T as T[K] extends Method ? K : never]: T[K] extends Method ? Mock<T[K]> : never;
};

/**
 * A test double that fails loudly: any method the test did not implement throws
 * `<name>.<method> called without an implementation` when called, so a surprise dependency fails the test instead
 * of returning undefined. `impl` is a plain object; its functions are wrapped in `vi.fn` (existing mocks are kept).
 * Thenable checks (`then`) and Nest's lifecycle hooks read as absent, so the double can be awaited or registered.
 */
export function strictMock<T extends object>(name: string, impl: Partial<T> = {}): StrictMock<T> {
  const target: Record<string, unknown> = {};
  for (const [property, value] of Object.entries(impl)) {
    target[property] = typeof value === 'function' && !vi.isMockFunction(value) ? vi.fn(value as Method) : value;
  }
  return new Proxy(target, {
    get(members, property) {
      if (typeof property === 'symbol') return undefined;
      if (property in members) return members[property];
      if (property === 'then' || /^(on|before)[A-Z]/.test(property)) return undefined;
      // A mock too, kept, so `expect(double.method).not.toHaveBeenCalled()` reads naturally.
      const missing = vi.fn(() => {
        throw new Error(`${name}.${property} called without an implementation`);
      });
      members[property] = missing;
      return missing;
    },
  }) as StrictMock<T>;
}
