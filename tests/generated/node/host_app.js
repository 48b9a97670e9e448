'use strict';

// A small site that mounts the rendered provider the way the generated wiring does:
//   node host_app.js <rendered provider.js>
// GENESYS_OIDC_ISSUER may contain "{port}": the app listens on 127.0.0.1, port 0, first, then
// fills in the port and creates the provider. It prints "listening <port>" when ready.
// Test-only extras: the signed-in user comes from a "session" cookie or an X-Test-Session
// header, and POST /test/clock?offset=<seconds> shifts the provider's clock.

const path = require('path');
const express = require('express');

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

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.env.GENESYS_OIDC_ISSUER = (process.env.GENESYS_OIDC_ISSUER || '').replace('{port}', String(port));
  let provider;
  try {
    provider = createOidcProvider({
      guard: loadUser,
      claims: (req) => (req.user
        ? { sub: String(req.user.id), name: req.user.name, email: req.user.email, email_verified: true }
        : null),
      now: () => Date.now() + clockOffsetMs,
    });
  } catch (err) {
    // What a real server does when start-up fails: say why and exit.
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  app.use(new URL(process.env.GENESYS_OIDC_ISSUER).pathname, provider);
  process.stdout.write(`listening ${port}\n`);
});

// Never outlive the test that started us.
setTimeout(() => process.exit(0), Number(process.env.HOST_APP_MAX_SECONDS || 60) * 1000).unref();
