'use strict';

// Opens a review page (migrate generate/scan --html) in headless Chromium (playwright-core) from
// file://, with every other request refused and listed, then walks it with the keyboard:
//   node drive_review.js '<json options>'
// options: chromium (executable), profile (an empty directory), url (file://...), screenshot (PNG
//   path), keys (the keys to press, in order).
// Prints one JSON line: the page's text, title, what was refused, errors, and after each key the
// focused element and which <details> are open.

const { chromium } = require('playwright-core');

const options = JSON.parse(process.argv[2]);

// A browser that never answers must fail the test, not hang it.
const watchdog = setTimeout(() => {
  process.stderr.write('timed out driving the browser\n');
  process.exit(2);
}, 25000);

function state() {
  const active = document.activeElement;
  return {
    focused: active ? (active.id || active.tagName.toLowerCase() + (active.className ? '.' + active.className : ''))
      : null,
    focusedText: active && active !== document.body ? active.textContent.trim().slice(0, 80) : '',
    open: Array.from(document.querySelectorAll('details'), (d) => d.open),
  };
}

(async () => {
  const blocked = [];
  const context = await chromium.launchPersistentContext(options.profile, {
    executablePath: options.chromium,
    headless: true,
    timeout: 15000,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 800 },
  });
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(10000);
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(options.url);
    const steps = [];
    for (const key of options.keys) {
      await page.keyboard.press(key);
      steps.push({ key, ...(await page.evaluate(state)) });
    }
    await page.evaluate(() => window.scrollTo(0, 0));  // the header and the per-file table
    await page.screenshot({ path: options.screenshot, fullPage: false });
    const report = {
      title: await page.title(),
      text: await page.evaluate(() => document.body.innerText),
      html: await page.content(),
      steps,
      blocked,
      errors,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await context.close();
    clearTimeout(watchdog);
  }
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
