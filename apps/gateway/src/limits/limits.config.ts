import { isAdminKey, type ApiKey, type KeyLimits } from '../auth/api-key.js';

/** The limits a key without its own take (KEY_* variables). */
export class LimitsConfig {
  requestsPerMinute = 600;
  jobsPerDay = 1000;
  concurrentJobs = 20;
  concurrentStreams = 20;

  /**
   * What binds this key: its own limit, else the default; null means unlimited. Admin keys (`admin` or `*`) are
   * operators' keys: defaults do not bind them, limits set on them explicitly do.
   */
  effective(key: Pick<ApiKey, 'scopes' | 'limits'>): { [K in keyof KeyLimits]: number | null } {
    const admin = isAdminKey(key);
    const pick = (own: number | null, fallback: number) => own ?? (admin ? null : fallback);
    return {
      requestsPerMinute: pick(key.limits.requestsPerMinute, this.requestsPerMinute),
      jobsPerDay: pick(key.limits.jobsPerDay, this.jobsPerDay),
      concurrentJobs: pick(key.limits.concurrentJobs, this.concurrentJobs),
      concurrentStreams: pick(key.limits.concurrentStreams, this.concurrentStreams),
    };
  }
}
