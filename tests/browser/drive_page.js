'use strict';

// Opens the migrated site in headless Chromium (playwright-core) and reports what the page did:
//   node drive_page.js '<json options>'
// options: chromium (executable), profile (an empty directory for the browser's profile), base
//   (the site, http://127.0.0.1:<port>), stub (the script served for the Genesys bootstrap URL),
//   email, password, screenshot (PNG path).
// The Genesys bootstrap URL is answered with the stub; requests to the site go through; every
// other request is refused and listed. The page is loaded signed out, then the visitor signs in
// through the page's own form and the page loads again. Prints one JSON line.

const fs = require('fs');
const { chromium } = require('playwright-core');

const BOOTSTRAP = 'https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js';
const options = JSON.parse(process.argv[2]);
const origin = new URL(options.base).origin;
const stubSource = fs.readFileSync(options.stub, 'utf8');

// A browser that never answers must fail the test, not hang it.
const watchdog = setTimeout(() => {
  process.stderr.write('timed out driving the browser\n');
  process.exit(2);
}, 25000);

// What the page itself shows: its scripts, the resources it fetched, and the stub's record.
function readPage() {
  const scripts = Array.from(document.scripts, (s) => s.src || '');
  return {
    url: location.href,
    zendeskScripts: scripts.filter((src) => src.includes('zdassets')),
    genesysScripts: scripts.filter((src) => src.includes('genesys-bootstrap')),
    zendeskGlobal: typeof window.zE !== 'undefined' || typeof window.zESettings !== 'undefined',
    resources: performance.getEntriesByType('resource').map((entry) => entry.name),
    secureContext: window.isSecureContext,
    stub: window.__genesysStub || null,
  };
}

async function settled(page) {
  await page.waitForFunction(() => window.__genesysStub && window.__genesysStub.results.length > 0,
    null, { timeout: 10000 });
  return page.evaluate(readPage);
}

(async () => {
  const requests = [];
  const blocked = [];
  const served = [];
  const responses = [];
  const context = await chromium.launchPersistentContext(options.profile, {
    executablePath: options.chromium,
    headless: true,
    timeout: 15000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1000, height: 640 },
  });
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === BOOTSTRAP) {
        served.push(url);
        return route.fulfill({
          status: 200, contentType: 'application/javascript', body: stubSource,
        });
      }
      if (new URL(url).origin === origin) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(10000);
    page.on('request', (request) => requests.push(request.url()));
    page.on('response', (response) => responses.push(
      [response.request().method(), response.url(), response.status()]));
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));

    await page.goto(`${options.base}/`);
    const signedOut = await settled(page);

    await page.fill('input[name=email]', options.email);
    await page.fill('input[name=password]', options.password);
    // The form posts to /login, which redirects to the page: wait for that new page's load.
    await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
    const signedIn = await settled(page);
    await page.screenshot({ path: options.screenshot, fullPage: true });

    const report = { signedOut, signedIn, requests, responses, blocked, served, errors };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await context.close();
    clearTimeout(watchdog);
  }
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
