// Serves the route modules of a Next.js App Router site (app/**/route.ts) the way Next.js calls
// them: each request becomes a web Request handed to the exported function named by its method.
//   node --import tsx next_site_host.mjs <site root>     (listens on 127.0.0.1:$PORT)
// Test-only: the site's `next-auth` is a stub whose getServerSession() returns the session sent
// in an X-Test-Session header (JSON) of the current request, found through AsyncLocalStorage.

import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const site = resolve(process.argv[2]);
const current = new AsyncLocalStorage();
globalThis.__testCurrentRequest = current;

async function toWebRequest(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) headers.set(key, [].concat(value).join(', '));
  return new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method,
    headers,
    body: body.length && req.method !== 'GET' && req.method !== 'HEAD' ? body : undefined,
  });
}

const server = createServer(async (req, res) => {
  try {
    const { pathname } = new URL(req.url, 'http://x');
    const file = join(site, 'app', ...decodeURIComponent(pathname).split('/').filter(Boolean), 'route.ts');
    if (!file.startsWith(join(site, 'app')) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const route = await import(pathToFileURL(file).href);
    const handler = route[req.method];
    if (typeof handler !== 'function') {
      res.writeHead(405).end();
      return;
    }
    const request = await toWebRequest(req);
    const response = await current.run(request, () => handler(request));
    const headers = {};
    response.headers.forEach((value, key) => { headers[key] = value; });
    res.writeHead(response.status, headers);
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (err) {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err && err.message));
  }
});

server.listen(Number(process.env.PORT), '127.0.0.1');
// Never outlive the test that started us.
setTimeout(() => process.exit(0), Number(process.env.HOST_APP_MAX_SECONDS || 60) * 1000).unref();
