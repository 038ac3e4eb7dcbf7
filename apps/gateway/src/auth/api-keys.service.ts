import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GatewayException } from '../errors/gateway.exception.js';
import { hashKey, newPlainKey, NO_KEY_LIMITS, visiblePrefix, type ApiKey, type KeyLimits } from './api-key.js';
import { ApiKeysRepository } from './api-keys.repository.js';

const CACHE_TTL_MS = 30_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class AuthConfig {
  /** BOOTSTRAP_API_KEY: ensured at start with scope `*`. */
  bootstrapKey?: string;
}

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  // Verified keys by the presented value: the hot path neither hashes nor waits on the database (changes to keys
  // clear the cache). The values live in this process's memory only as long as the requests carrying them did.
  private readonly cache = new Map<string, { key: ApiKey | null; at: number }>();
  private readonly changeListeners = new Set<() => void>();

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly config: AuthConfig,
  ) {}

  /** Called after this replica changed a key (the other replicas are told to forget their cached keys). */
  onChange(listener: () => void): void {
    this.changeListeners.add(listener);
  }

  /** Another replica changed a key: check every key against the database again. */
  forgetCached(): void {
    this.cache.clear();
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** Runs as the last step of opening the database (see AppModule), so no request finds the key missing. */
  async ensureConfiguredBootstrap(): Promise<void> {
    if (this.config.bootstrapKey) await this.ensureBootstrap(this.config.bootstrapKey);
  }

  async create(input: {
    name: string;
    scopes: string[];
    expiresAt?: string | null;
    limits?: Partial<KeyLimits>;
    plain?: string;
  }): Promise<{ key: ApiKey; plain: string }> {
    if (input.expiresAt && !(Date.parse(input.expiresAt) > Date.now())) {
      throw new GatewayException('INVALID_REQUEST', 'expires_at: must be in the future', [
        { field: 'expires_at', problems: ['must be in the future'] },
      ]);
    }
    const plain = input.plain ?? newPlainKey();
    const key = await this.keys.insert({
      id: randomUUID(),
      name: input.name,
      prefix: visiblePrefix(plain),
      hash: hashKey(plain),
      scopes: input.scopes,
      expiresAt: input.expiresAt ?? null,
      limits: { ...NO_KEY_LIMITS, ...input.limits },
    });
    this.cache.delete(plain);
    this.changed();
    return { key, plain };
  }

  /**
   * Makes sure a usable key with this value and scope `*` exists (BOOTSTRAP_API_KEY): created when missing, and
   * restored when it was revoked, expired or narrowed — the variable promises it, and the operator holds its value.
   */
  async ensureBootstrap(plain: string): Promise<void> {
    const hash = hashKey(plain);
    const existing = await this.keys.findByHash(hash);
    if (!existing) {
      await this.create({ name: 'bootstrap', scopes: ['*'], plain });
      this.logger.log('bootstrap API key created');
      return;
    }
    const expired = !!existing.expiresAt && Date.parse(existing.expiresAt) <= Date.now();
    if (!existing.revokedAt && !expired && existing.scopes.includes('*')) return;
    await this.keys.restore(existing.id, ['*']);
    this.cache.clear();
    this.changed();
    this.logger.warn(
      'bootstrap API key was revoked, expired or narrowed and is restored; unset BOOTSTRAP_API_KEY to retire it',
    );
  }

  list(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  /**
   * Changes the limits given (absent: unchanged; null: back to the default). The other gateway replicas are told at
   * once (ReplicaBus); without NATS they see it when their cached entry expires (30 s).
   */
  async updateLimits(id: string, limits: Partial<KeyLimits>): Promise<ApiKey> {
    const current = await this.keys.findById(id);
    if (!current) throw new GatewayException('NOT_FOUND', `No API key ${id}`);
    const key = await this.keys.setLimits(id, { ...current.limits, ...limits });
    if (!key) throw new GatewayException('NOT_FOUND', `No API key ${id}`);
    this.cache.clear();
    this.changed();
    return key;
  }

  async revoke(id: string): Promise<ApiKey> {
    const key = await this.keys.revoke(id);
    if (!key) throw new GatewayException('NOT_FOUND', `No API key ${id}`);
    this.cache.clear();
    this.changed();
    return key;
  }

  /**
   * The key a console session refers to, read afresh (no cache): a revoked or expired key ends its sessions at once.
   * Refused like a bad key (401), so a session never outlives its key.
   */
  async findActive(id: string): Promise<ApiKey> {
    const key = UUID.test(id) ? await this.keys.findById(id) : null;
    if (!key || key.revokedAt) throw new GatewayException('UNAUTHENTICATED', 'The session has ended: sign in again');
    if (key.expiresAt && Date.parse(key.expiresAt) <= Date.now()) {
      throw new GatewayException('UNAUTHENTICATED', 'The API key of this session has expired');
    }
    return key;
  }

  /** The key behind a plaintext value, or 401 (missing, unknown, revoked, expired all look alike to callers). */
  async authenticate(plain: string | undefined): Promise<ApiKey> {
    if (!plain) {
      throw new GatewayException('UNAUTHENTICATED', 'An API key is required (x-api-key or Authorization: Bearer)');
    }
    const now = Date.now();
    let entry = this.cache.get(plain);
    if (!entry || now - entry.at > CACHE_TTL_MS) {
      entry = { key: await this.keys.findByHash(hashKey(plain)), at: now };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(plain, entry);
    }
    const key = entry.key;
    if (!key || key.revokedAt) throw new GatewayException('UNAUTHENTICATED', 'The API key is not valid');
    if (key.expiresAt && Date.parse(key.expiresAt) <= now) {
      throw new GatewayException('UNAUTHENTICATED', 'The API key has expired');
    }
    return key;
  }
}
