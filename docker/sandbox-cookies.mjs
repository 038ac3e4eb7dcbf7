// Sandbox only: creates each provider's account in the simulator and writes its session cookies where the workers
// import them from (a shared volume), so `docker compose up` needs no manual cookie step. Runs to completion.
//   SIMULATOR_ADMIN_URL (http://simulator:4000), SANDBOX_PROVIDERS (every provider of the catalog), SANDBOX_DIR
//   (/sandbox)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER_CATALOG } from '../provider-catalog.mjs';

const admin = process.env.SIMULATOR_ADMIN_URL ?? 'http://simulator:4000';
const dir = process.env.SANDBOX_DIR ?? '/sandbox';
const providers = (process.env.SANDBOX_PROVIDERS ?? PROVIDER_CATALOG.map((p) => p.name).join(','))
  .split(',')
  .filter(Boolean);

for (let attempt = 1; ; attempt++) {
  try {
    for (const provider of providers) {
      const created = await fetch(`${admin}/__admin/${provider}/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'default' }),
      });
      if (!created.ok) throw new Error(`${provider} account: ${created.status}`);
      const cookies = await fetch(`${admin}/__admin/${provider}/accounts/default/cookies`);
      if (!cookies.ok) throw new Error(`${provider} cookies: ${cookies.status}`);
      writeFileSync(join(dir, `${provider}.cookies.json`), await cookies.text(), { mode: 0o600 });
      process.stdout.write(`sandbox cookies for ${provider} written\n`);
    }
    break;
  } catch (error) {
    if (attempt >= 30) throw error;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
