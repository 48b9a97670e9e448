'use strict';

// A small site that mounts the rendered provider the way the generated wiring does:
//   node host_app.js <rendered provider.js or .ts, or the Next.js core genesys-oidc.ts>
// GENESYS_OIDC_ISSUER may contain "{port}": the app listens on 127.0.0.1, port 0, first, then
// fills in the port and creates the provider. It prints "listening <port>" when ready.
// Test-only extras: the signed-in user comes from a "session" cookie or an X-Test-Session
// header, X-Test-Auth-Time gives the sign-in time, and POST /test/clock?offset=<seconds> shifts the
// provider's clock.

const path = require('path');
const { Readable } = require('stream');
const express = require('express');

// A TypeScript provider (genesys-oidc-provider.ts) is loaded through tsx, as `tsx server.ts` runs it.
if (/\.[cm]?ts$/.test(process.argv[2])) require('tsx/cjs/api').register();
const { createOidcProvider } = require(path.resolve(process.argv[2]));

const USERS = {
  alice: { id: 42, name: 'Alice Example', email: 'alice@example.com' },
  bob: { id: 'b-7', name: 'Bob Example', email: 'bob@example.com' },
};

// The site's own auth middleware: loads the session user (or none) and marks that it ran.
function loadUser(req, res, next) {
  res.set('X-Guard', 'ran');
  const cookie = /(?:^|;\s*)session=([^;]+)/.exec(req.get('cookie') || '');
  const session = req.get('x-test-session') || (cookie && cookie[1]);
  req.user = USERS[session] || null;
  next();
}

let clockOffsetMs = 0;
const app = express();
app.post('/test/clock', (req, res) => {
  clockOffsetMs = Number(req.query.offset || 0) * 1000;
  res.json({ offset: clockOffsetMs / 1000 });
});

// The Next.js provider core (lib/genesys-oidc.ts) answers web Requests instead of being an Express
// router: its methods are mounted here as the route modules under app/<issuer path>/ mount them.
// There is no guard middleware in Next.js: the site's session lookup runs inside claims(request),
// so that is where this host looks the user up (and says so with X-Guard).
const webRequests = new WeakMap(); // web Request -> [express req, res]

function webRoutes(provider) {
  const router = express.Router();
  // The body stays a stream, as Next.js hands it over: the provider decides how much to read.
  const mount = (method, route, name) => router[method](route,
    (req, res, next) => {
      const url = `${req.protocol}://${req.get('host')}${req.originalUrl}`;
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, [].concat(value).join(', '));
      }
      const request = method === 'post'
        ? new Request(url, { method: req.method, headers, body: Readable.toWeb(req), duplex: 'half' })
        : new Request(url, { method: req.method, headers });
      webRequests.set(request, [req, res]);
      provider[name](request).then(async (response) => {
        res.status(response.status);
        response.headers.forEach((value, key) => res.set(key, value));
        res.send(Buffer.from(await response.arrayBuffer()));
      }).catch(next);
    });
  mount('get', '/.well-known/openid-configuration', 'discovery');
  mount('get', '/jwks.json', 'jwks');
  mount('get', '/authorize', 'authorize');
  mount('post', '/token', 'token');
  mount('get', '/userinfo', 'userinfo');
  mount('post', '/userinfo', 'userinfo');
  return router;
}

// X-Test-Auth-Time: when the site says its user signed in (seconds), for max_age and prompt=login.
function userClaims(req) {
  const authTime = req.get('x-test-auth-time');
  return req.user
    ? {
      sub: String(req.user.id), name: req.user.name, email: req.user.email, email_verified: true,
      ...(authTime ? { auth_time: Number(authTime) } : {}),
    }
    : null;
}

function claims(reqOrRequest) {
  const pair = webRequests.get(reqOrRequest);
  if (!pair) return userClaims(reqOrRequest); // Express: the guard already loaded req.user
  const [req, res] = pair;
  loadUser(req, res, () => {});
  return userClaims(req);
}

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.env.GENESYS_OIDC_ISSUER = (process.env.GENESYS_OIDC_ISSUER || '').replace('{port}', String(port));
  let provider;
  try {
    provider = createOidcProvider({
      guard: loadUser,
      claims,
      now: () => Date.now() + clockOffsetMs,
    });
  } catch (err) {
    // What a real server does when start-up fails: say why and exit.
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  app.use(new URL(process.env.GENESYS_OIDC_ISSUER).pathname, typeof provider === 'function' ? provider : webRoutes(provider));
  process.stdout.write(`listening ${port}\n`);
});

// Never outlive the test that started us.
setTimeout(() => process.exit(0), Number(process.env.HOST_APP_MAX_SECONDS || 60) * 1000).unref();
