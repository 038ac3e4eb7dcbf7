import { describe, expect, it, vi } from 'vitest';
import type { AccountControl, AccountEntry } from '@app/contracts';
import { strictMock } from '../../../../test/strict-mock.js';
import { AccountRegistry, type AccountRegistryParts } from './account-registry.js';

const entry = {
  provider: 'midjourney',
  worker: 'host-1',
  account: 'acct-1',
  state: 'ready',
  signedIn: true,
  browser: { connected: true, launchedAt: null, relaunches: 0, pages: 1 },
  running: 1,
  queued: 0,
  capacity: 3,
  cooldownUntil: null,
  lastError: null,
  plan: null,
  pool: { weight: 1, dailyJobLimit: 0, submittedToday: 0, workingHours: null, offDuty: null },
} satisfies Omit<AccountEntry, 'disabled' | 'updatedAt'>;

function setup(control: () => Promise<AccountControl | null>) {
  const written: AccountEntry[] = [];
  const parts = strictMock<AccountRegistryParts>('parts', {
    entry: () => entry,
    write: (e) => Promise.resolve(written.push(e)),
    control,
    setDisabled: () => undefined,
    logger: { log: vi.fn(), warn: vi.fn() },
  });
  return { registry: new AccountRegistry(parts), parts, written };
}

describe(AccountRegistry.name, () => {
  it("writes the account's entry with the time of the beat", async () => {
    const { registry, written } = setup(() => Promise.resolve(null));
    await registry.beat();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ ...entry, disabled: false });
    expect(Date.parse(written[0].updatedAt)).toBeGreaterThan(0);
  });

  it("applies an operator's decision once, and its reversal", async () => {
    const control = vi.fn(() => Promise.resolve<AccountControl | null>({ disabled: true, at: '2026-12-07T12:00:00Z' }));
    const { registry, parts, written } = setup(control);
    await registry.beat();
    await registry.beat();
    expect(parts.setDisabled).toHaveBeenCalledTimes(1);
    expect(parts.setDisabled).toHaveBeenLastCalledWith(true);
    expect(written.at(-1)?.disabled).toBe(true);
    control.mockResolvedValue({ disabled: false, at: '2026-12-07T12:01:00Z' });
    await registry.beat();
    expect(parts.setDisabled).toHaveBeenLastCalledWith(false);
    expect(written.at(-1)?.disabled).toBe(false);
  });

  it('keeps the last decision while NATS is away, and says so once', async () => {
    const control = vi.fn(() => Promise.resolve<AccountControl | null>({ disabled: true, at: '2026-12-07T12:00:00Z' }));
    const { registry, parts } = setup(control);
    await registry.beat();
    control.mockRejectedValue(new Error('TIMEOUT'));
    await registry.beat();
    await registry.beat();
    expect(parts.setDisabled).toHaveBeenCalledTimes(1);
    expect(parts.logger.warn).toHaveBeenCalledTimes(1);
  });

  it('writes once more when asked during a beat, so a change made meanwhile is not lost', async () => {
    let release!: () => void;
    const control = vi
      .fn<() => Promise<AccountControl | null>>()
      .mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(null))))
      .mockResolvedValue(null);
    const { registry, written } = setup(control);
    const first = registry.beat();
    const second = registry.beat(); // the state changed while the first beat was reading
    release();
    await Promise.all([first, second]);
    expect(written).toHaveLength(2);
  });
});
