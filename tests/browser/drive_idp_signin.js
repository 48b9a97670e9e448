'use strict';

// Drives a page migrated with `generate --idp` in headless Chromium (playwright-core):
//   node drive_idp_signin.js '<json options>'
// options: chromium, profile (an empty directory), base (the site), idp (the IdP's origin), stub
//   (served for the Genesys bootstrap URL), login (the name to sign in with at the IdP).
// 1. The page loads: the AuthProvider tries a silent sign-in (prompt=none) and comes back anonymous.
// 2. reAuthenticate: the visitor signs in at the IdP's own pages and comes back with a code, which
//    getAuthCode resolves. Prints one JSON line with what the stub saw each time.
// Requests outside the site and the IdP are refused and listed.

const fs = require('fs');
const { chromium } = require('playwright-core');

const BOOTSTRAP = 'https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js';
const options = JSON.parse(process.argv[2]);
const allowed = new Set([new URL(options.base).origin, new URL(options.idp).origin]);
const stubSource = fs.readFileSync(options.stub, 'utf8');

const watchdog = setTimeout(() => {
  process.stderr.write('timed out driving the browser\n');
  process.exit(2);
}, 40000);

// The page navigates to the IdP and back on its own: read the stub once a result is there,
// on whatever document the tab holds by then.
async function results(page, count) {
  const until = Date.now() + 15000;
  while (Date.now() < until) {
    try {
      const seen = await page.evaluate(() => ({
        href: window.location.href,
        stub: window.__genesysStub ? JSON.parse(JSON.stringify(window.__genesysStub)) : null,
      }));
      if (seen.stub && seen.stub.results.length >= count) return seen;
    } catch (ignored) {
      // the document is being replaced
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`no AuthProvider result after 15 s (${page.url()})`);
}

(async () => {
  const blocked = [];
  const visited = [];
  const context = await chromium.launchPersistentContext(options.profile, {
    executablePath: options.chromium,
    headless: true,
    timeout: 15000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === BOOTSTRAP) {
        return route.fulfill({ status: 200, contentType: 'application/javascript', body: stubSource });
      }
      if (allowed.has(new URL(url).origin)) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(10000);
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('request', (request) => { if (request.isNavigationRequest()) visited.push(request.url()); });

    await page.goto(`${options.base}/`);
    const anonymous = await results(page, 1);

    await page.evaluate(() => window.__genesysStub.invoke('reAuthenticate'));
    await page.waitForSelector('input[name="login"]');
    await page.fill('input[name="login"]', options.login);
    await page.fill('input[name="password"]', 'any password');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    // The IdP asks for consent to the scopes the first time; the site loads when it does not.
    if (new URL(page.url()).origin === new URL(options.idp).origin && !(await page.$('input[name="login"]'))) {
      await page.click('button[type="submit"]');
    }
    const signedIn = await results(page, 1);
    process.stdout.write(`${JSON.stringify({ anonymous, signedIn, blocked, visited, errors })}\n`);
  } finally {
    await context.close();
    clearTimeout(watchdog);
  }
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
