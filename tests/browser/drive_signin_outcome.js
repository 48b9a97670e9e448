'use strict';

// Opens a migrated page in headless Chromium (playwright-core) twice, signed out and then with
// the site's session cookie, and reports what the page did each time:
//   node drive_signin_outcome.js '<json options>'
// options: chromium (executable), profile (an empty directory), base (http://127.0.0.1:<port>),
//   stub (the script served for the Genesys bootstrap URL), cookie ({name, value}).
// The Genesys bootstrap URL is answered with the stub; requests to the site go through; every
// other request is refused and listed. Prints one JSON line.

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

function readPage() {
  const chat = document.getElementById('chat');
  const greeting = document.getElementById('greeting');
  return {
    chat: chat ? 'present' : 'removed',
    greeting: greeting ? greeting.textContent : null,
    zendeskGlobal: typeof window.zE !== 'undefined',
    scripts: Array.from(document.scripts, (s) => s.src || '').filter(Boolean),
    stub: window.__genesysStub || null,
  };
}

async function settled(page) {
  await page.waitForFunction(() => window.__genesysStub && window.__genesysStub.results.length > 0,
    null, { timeout: 10000 });
  return page.evaluate(readPage);
}

(async () => {
  const blocked = [];
  const requests = [];
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
      if (new URL(url).origin === origin) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(10000);
    page.on('request', (request) => requests.push(request.url()));
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));

    await page.goto(`${options.base}/`);
    const signedOut = await settled(page);
    await context.addCookies([{ ...options.cookie, url: options.base }]);
    await page.reload();
    const signedIn = await settled(page);
    process.stdout.write(`${JSON.stringify({ signedOut, signedIn, blocked, requests, errors })}\n`);
  } finally {
    await context.close();
    clearTimeout(watchdog);
  }
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
