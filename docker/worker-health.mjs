// HEALTHCHECK of a provider worker image: /health/ready on the worker's port (<PROVIDER>_PORT, else the catalog's).
import { PROVIDER_CATALOG } from '../provider-catalog.mjs';

const entry = PROVIDER_CATALOG.find((provider) => provider.name === process.env.APP);
if (!entry) {
  process.stderr.write(`APP=${process.env.APP ?? ''} is not a provider of the catalog\n`);
  process.exit(1);
}
const port = process.env[`${entry.env}_PORT`] || entry.port;
fetch(`http://localhost:${port}/health/ready`).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
