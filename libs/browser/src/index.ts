// An injectable browser session per account: launch or connect, profile and cookies, page reuse per origin,
// in-page fetch, relaunch and recycle. It knows no provider: URLs and parsing stay in the adapters.
export * from './browser-session.js';
export * from './browser.module.js';
export * from './puppeteer/puppeteer-browser-session.js';
export * from './puppeteer/cookie-file.js';
