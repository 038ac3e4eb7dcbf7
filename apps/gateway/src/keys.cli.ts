import 'reflect-metadata';
import { loadConfig } from '@app/contracts';
import { ApiKeysRepository } from './auth/api-keys.repository.js';
import { ApiKeysService, AuthConfig } from './auth/api-keys.service.js';
import type { KeyLimits } from './auth/api-key.js';
import { MAX_LIMIT } from './auth/dto/key-limits.dto.js';
import { GatewayConfig } from './config/gateway.config.js';
import { dataDirHolder } from './persistence/data-dir-lock.js';
import { openDatabase } from './persistence/open-database.js';

// `npm run keys -- create --name n8n --scopes midjourney [--expires 2027-01-01] [--rpm 120]`, `list`,
// `limits <id> --rpm 120 --concurrent-jobs default`, `revoke <id>`.
const LIMIT_FLAGS = '[--rpm <n>] [--jobs-per-day <n>] [--concurrent-jobs <n>] [--concurrent-streams <n>]';
const USAGE = `usage: npm run keys -- create --name <name> --scopes <a,b> [--expires <ISO date>] ${LIMIT_FLAGS} | list | limits <id> ${LIMIT_FLAGS} | revoke <id>
  limits: a positive integer, or "default" for the configured default (KEY_* variables)`;
const LIMIT_OF_FLAG: Record<string, keyof KeyLimits> = {
  rpm: 'requestsPerMinute',
  'jobs-per-day': 'jobsPerDay',
  'concurrent-jobs': 'concurrentJobs',
  'concurrent-streams': 'concurrentStreams',
};

/** The limit flags given (null: "default"), or undefined when one is not a positive integer or "default". */
function limitFlags(args: string[]): Partial<KeyLimits> | undefined {
  const limits: Partial<KeyLimits> = {};
  for (const [name, field] of Object.entries(LIMIT_OF_FLAG)) {
    const value = flag(args, name);
    if (value === undefined) continue;
    if (value === 'default') limits[field] = null;
    else if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_LIMIT) limits[field] = Number(value);
    else return undefined;
  }
  return limits;
}

const showLimits = (l: KeyLimits) =>
  `rpm ${l.requestsPerMinute ?? 'default'}, jobs/day ${l.jobsPerDay ?? 'default'}, concurrent jobs ${l.concurrentJobs ?? 'default'}, streams ${l.concurrentStreams ?? 'default'}`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || !['create', 'list', 'limits', 'revoke'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(GatewayConfig);
  if (!config.DATABASE_URL) {
    const holder = dataDirHolder(config.DATA_DIR);
    if (holder) {
      process.stderr.write(
        `The gateway (pid ${holder}) holds the embedded database in ${config.DATA_DIR}; PGlite serves one process.\n` +
          `Use the admin API instead: curl -X POST <gateway>/v1/admin/keys -H 'x-api-key: <admin key>' -H 'content-type: application/json' -d '{"name":"n8n","scopes":["midjourney"]}'\n`,
      );
      return 1;
    }
  }
  const sql = await openDatabase(config);
  try {
    const keys = new ApiKeysService(new ApiKeysRepository(sql), new AuthConfig());
    if (command === 'create') {
      const name = flag(args, 'name');
      const scopes = flag(args, 'scopes')
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const expires = flag(args, 'expires');
      const limits = limitFlags(args);
      if (!name || !scopes?.length || !limits || (expires && Number.isNaN(Date.parse(expires)))) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const { key, plain } = await keys.create({
        name,
        scopes,
        expiresAt: expires ? new Date(expires).toISOString() : null,
        limits,
      });
      process.stdout.write(
        `created key ${key.id} (${key.name}, scopes ${key.scopes.join(',')}${key.expiresAt ? `, expires ${key.expiresAt}` : ''}; ${showLimits(key.limits)})\n${plain}\n(shown once: store it now)\n`,
      );
    } else if (command === 'limits') {
      const id = args[0];
      const limits = limitFlags(args);
      if (!id || id.startsWith('--') || !limits || !Object.keys(limits).length) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const key = await keys.updateLimits(id, limits);
      process.stdout.write(`limits of ${key.id} (${key.name}): ${showLimits(key.limits)}\n`);
    } else if (command === 'list') {
      for (const k of await keys.list()) {
        const state = k.revokedAt
          ? 'revoked'
          : k.expiresAt && Date.parse(k.expiresAt) < Date.now()
            ? 'expired'
            : 'active';
        process.stdout.write(
          `${k.id}  ${k.prefix}…  ${k.name}  [${k.scopes.join(',')}]  ${state}${k.expiresAt ? `  expires ${k.expiresAt}` : ''}  (${showLimits(k.limits)})\n`,
        );
      }
    } else {
      const id = args[0];
      if (!id) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const key = await keys.revoke(id);
      process.stdout.write(`revoked ${key.id} (${key.name})\n`);
    }
    return 0;
  } finally {
    await sql.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
