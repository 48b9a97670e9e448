// Serves a Next.js Pages Router site's API routes the way `next start` does, for the tests (Next
// itself is not installed): run with `node --import tsx next_pages_host.mjs SITE`. It applies the
// rewrites of SITE/next.config.js, resolves pages/api files (exact, index, [...catch-all]), fills
// req.query, parses the body unless the route's `config.api.bodyParser` is false, adds Next's
// res.status / res.json / res.send helpers, and prints "listening PORT".
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const site = path.resolve(process.argv[2]);
const require = createRequire(path.join(site, 'package.json'));
const configFile = ['next.config.js', 'next.config.mjs'].map((n) => path.join(site, n)).find((f) => fs.existsSync(f));
const nextConfig = configFile ? ((await import(pathToFileURL(configFile).href)).default ?? {}) : {};
const rewrites = typeof nextConfig.rewrites === 'function' ? await nextConfig.rewrites() : [];
const pagesDir = ['src/pages', 'pages'].map((d) => path.join(site, d)).find((d) => fs.existsSync(d));
const EXTENSIONS = ['.js', '.ts', '.mjs', '.jsx', '.tsx'];

function rewritten(pathname) {
  for (const { source, destination } of Array.isArray(rewrites) ? rewrites : rewrites.beforeFiles || []) {
    const prefix = source.replace(/\/:path\*$/, '');
    if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
      return destination.replace(/\/:path\*$/, '') + pathname.slice(prefix.length);
    }
  }
  return pathname;
}

function file(base) {
  return EXTENSIONS.map((ext) => base + ext).find((f) => fs.existsSync(f));
}

// The API route file for a path and the catch-all parameters it fills.
function resolve(pathname) {
  const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segments[0] !== 'api') return null;
  const exact = file(path.join(pagesDir, ...segments)) || file(path.join(pagesDir, ...segments, 'index'));
  if (exact) return { file: exact, params: {} };
  for (let i = segments.length - 1; i >= 1; i -= 1) {
    const dir = path.join(pagesDir, ...segments.slice(0, i));
    const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    const catchAll = names.find((n) => /^\[\.\.\.\w+\]\.\w+$/.test(n));
    if (catchAll) {
      return { file: path.join(dir, catchAll), params: { [catchAll.slice(4, catchAll.indexOf(']'))]: segments.slice(i) } };
    }
  }
  return null;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] || '').split(';')[0].trim();
  if (type === 'application/json') return text ? JSON.parse(text) : {};
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  return text;
}

function helpers(res) {
  res.status = (code) => { res.statusCode = code; return res; };
  res.json = (body) => { res.setHeader('Content-Type', 'application/json; charset=utf-8'); res.end(JSON.stringify(body)); return res; };
  res.send = (body) => { res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)); return res; };
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    const found = resolve(rewritten(url.pathname));
    if (found === null) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    const mod = require(found.file);
    const handler = mod.default ?? mod;
    helpers(res);
    req.query = { ...Object.fromEntries(url.searchParams), ...found.params };
    if (!(mod.config && mod.config.api && mod.config.api.bodyParser === false) && req.method !== 'GET') {
      req.body = await readBody(req);
    }
    await handler(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) res.statusCode = 500;
    res.end('error');
  }
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
