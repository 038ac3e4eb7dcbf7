// The provider catalog: the one place a provider is registered. Plain data in a plain ES module so that both the
// TypeScript apps (through providers.ts, which keeps the names as literal types) and the plain Node scripts
// (scripts/lib/*.mjs, docker/sandbox-cookies.mjs) load the same list; TypeScript reads the literal types from the
// `@type {const}` assertion below. No imports and no behaviour: the scripts load it before node_modules exists.
//
// Per provider:
//   name        provider name = NATS subject part = API key scope = worker app folder apps/<name> = nest-cli
//               project = image gen-<name> = k8s overlay docker/k8s/<name>.yaml
//   env         prefix of the worker's own variables (<env>_PORT, <env>_ACCOUNT, <env>_COOKIES_FILE, ...)
//   operations  what it runs as durable jobs
//   port        the worker's health port by default (variable <env>_PORT)
//   bucket      default bucket of its results (variable <env>_BUCKET): /files/ reads with a key need its scope
//   pacing      default runtime knobs of one account, by RuntimeConfig field (the rest keep RuntimeConfig's
//               defaults); <env>_<KNOB> or WORKER_<KNOB> override them (libs/provider-adapter worker-runtime.config.ts)
//   live        variables (without the prefix) any of which means a real account is configured
//   simulator   the imitated origins in the simulator and their default ports (SIM_<ENV>_<ORIGIN>_PORT)
//   sandbox     how the worker is pointed at the simulator when it has no real account (`npm start`, compose,
//               tests); values may name the provider's simulator origins: {app} is its URL, {app.host} host:port
//     urls      always set from the simulator's URLs
//     env       set unless already set
//     scaled    [ms, floor]: set to max(floor, round(ms × SIM_SPEED)) unless already set (render/answer times)
//     gateway   of the above, the variables the gateway reads too
//     test      what the integration tests add (quicker checks and retries)
export const PROVIDER_CATALOG = /** @type {const} */ ([
  {
    name: 'midjourney',
    env: 'MIDJOURNEY',
    operations: ['imagine', 'video'],
    port: 3002,
    bucket: 'product-designs',
    pacing: { minSubmitGapMs: 12_000, maxRunning: 3, pollMinMs: 250, queueWaitMs: 5_000 },
    live: ['COOKIES_FILE'],
    simulator: { app: 4001, cdn: 4002, links: 4003, ws: 4005 },
    sandbox: {
      urls: { APP_URL: '{app}', CDN_URL: '{cdn}', WS_URL: '{ws}' },
      env: { ALLOW_PRIVATE_URLS: 'true', MIN_SUBMIT_GAP_MS: '0', CDN_HOSTS: 'cdn.midjourney.com,{cdn.host}' },
      scaled: { EXPECTED_RENDER_MS: [30_000, 0] },
      gateway: ['CDN_HOSTS', 'ALLOW_PRIVATE_URLS'],
      test: { RATE_LIMIT_PENALTY_MS: '2000', ACCOUNT_CHECK_INTERVAL_MS: '2000' },
    },
  },
  {
    name: 'ideogram',
    env: 'IDEOGRAM',
    operations: ['remix', 'generate', 'upscale', 'remove-background', 'describe'],
    port: 3003,
    bucket: 'product-ideas',
    // The observed account had `max_inflight_requests: 1` (PROVIDERS.md §6.2).
    pacing: { minSubmitGapMs: 10_000, maxRunning: 1, pollMinMs: 500, queueWaitMs: 5_000 },
    live: ['COOKIES_FILE'],
    simulator: { app: 4004 },
    sandbox: {
      urls: { APP_URL: '{app}' },
      env: { ALLOW_PRIVATE_URLS: 'true', MIN_SUBMIT_GAP_MS: '0' },
      scaled: { EXPECTED_RENDER_MS: [60_000, 0] },
      gateway: [],
      test: {
        RATE_LIMIT_PENALTY_MS: '2000',
        ACCOUNT_CHECK_INTERVAL_MS: '2000',
        DESCRIBE_DELAY_MS: '0',
        QUEUE_WAIT_MS: '1000',
        POLL_MIN_MS: '100',
      },
    },
  },
  {
    name: 'chatgpt',
    env: 'CHATGPT',
    operations: ['conversation'],
    port: 3001,
    bucket: 'chatgpt-images',
    // 72 s between sends keeps an account under 50 messages an hour (PROVIDERS.md §6.1); the original ran 2 tabs.
    pacing: {
      minSubmitGapMs: 72_000,
      maxRunning: 2,
      rateLimitPenaltyMs: 60_000,
      pollMinMs: 500,
      submitTimeoutMs: 150_000,
      queueWaitMs: 10_000,
    },
    // Exported cookies, or a profile signed in by hand (Google sign-in cannot be automated).
    live: ['COOKIES_FILE', 'PROFILE_DIR'],
    simulator: { app: 4010 },
    sandbox: {
      urls: { APP_URL: '{app}' },
      env: { ALLOW_PRIVATE_URLS: 'true', MIN_SUBMIT_GAP_MS: '0', POLL_INTERVAL_MS: '500' },
      scaled: { EXPECTED_ANSWER_MS: [4_000, 100] },
      // GPT URLs on the simulator are accepted by the gateway.
      gateway: ['APP_URL'],
      test: {
        GPT_URL: '{app}/g/g-682b4c8d88848191accff36501109e7e-wowz-ai-assistant-remix-design',
        RATE_LIMIT_COOLDOWN_MS: '1000',
        RATE_LIMIT_PENALTY_MS: '1000',
        ACCOUNT_CHECK_INTERVAL_MS: '2000',
        POLL_INTERVAL_MS: '200',
        POLL_MIN_MS: '100',
        POLL_MAX_MS: '1000',
        QUEUE_WAIT_MS: '1000',
      },
    },
  },
  {
    name: 'gemini',
    env: 'GEMINI',
    operations: ['video'],
    // The original Veo service's 3003 is Ideogram's here.
    port: 3004,
    bucket: 'veo-videos',
    // One video at a time per account, always (bug #17: the original ran parallel browsers on one account).
    pacing: {
      minSubmitGapMs: 60_000,
      maxRunning: 1,
      rateLimitPenaltyMs: 60_000,
      pollMinMs: 1_000,
      submitTimeoutMs: 180_000,
    },
    // A Google profile signed in by hand (Google sign-in cannot be automated); exported cookies are optional.
    live: ['COOKIES_FILE', 'PROFILE_DIR'],
    simulator: { app: 4011 },
    sandbox: {
      urls: { APP_URL: '{app}' },
      env: { ALLOW_PRIVATE_URLS: 'true', MIN_SUBMIT_GAP_MS: '0', POLL_INTERVAL_MS: '1000' },
      scaled: { EXPECTED_RENDER_MS: [60_000, 100] },
      // The gateway checks image_url at submission with the same switch.
      gateway: ['ALLOW_PRIVATE_URLS'],
      test: {
        RATE_LIMIT_PENALTY_MS: '1000',
        ACCOUNT_CHECK_INTERVAL_MS: '2000',
        POLL_INTERVAL_MS: '200',
        POLL_MIN_MS: '100',
        POLL_MAX_MS: '1000',
      },
    },
  },
]);
