// Runs a Cloudflare Worker module under node for the tests: `node worker_host.mjs MODULE`. Each
// HTTP request becomes a web Request handed to the default export's fetch(request, env, ctx). The
// Worker gets its settings only through env, as on Cloudflare: the GENESYS_OIDC_* and ZENDESK_*
// variables are taken out of process.env, and the signing key is passed as the PEM itself
// (GENESYS_OIDC_PRIVATE_KEY, a Worker secret). Prints "listening PORT".
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = {};
for (const name of Object.keys(process.env)) {
  if (name.startsWith('GENESYS_OIDC_') || name.startsWith('ZENDESK_')) {
    env[name] = process.env[name];
    delete process.env[name];
  }
}
if (env.GENESYS_OIDC_PRIVATE_KEY_FILE) {
  env.GENESYS_OIDC_PRIVATE_KEY = fs.readFileSync(env.GENESYS_OIDC_PRIVATE_KEY_FILE, 'utf8');
  delete env.GENESYS_OIDC_PRIVATE_KEY_FILE;
}
const worker = (await import(pathToFileURL(path.resolve(process.argv[2])).href)).default;
const ctx = { waitUntil() {}, passThroughOnException() {} };

const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) headers.set(name, [].concat(value).join(', '));
    const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
    const request = new Request(new URL(req.url, `http://${req.headers.host}`), { method: req.method, headers, body });
    const response = await worker.fetch(request, env, ctx);
    res.statusCode = response.status;
    response.headers.forEach((value, name) => res.setHeader(name, value));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (err) {
    console.error(err);
    res.statusCode = 500;
    res.end('worker threw');
  }
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
