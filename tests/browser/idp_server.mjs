// A real OpenID provider (panva's oidc-provider, OpenID Certified) standing in for the site's
// identity provider in the existing-IdP browser test:
//   node idp_server.mjs '<json options>'
// options: port, modules (tests/node/node_modules), client (the client metadata generate printed, with a client_secret the test made),
//   seconds (it exits by itself after that long). Binds 127.0.0.1 only; prints one JSON line when
// it listens. Any login name signs in (its dev interactions); the account's claims are sub, email
// and name, in the ID token itself (conformIdTokenClaims off), as Genesys reads them.
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const options = JSON.parse(process.argv[2]);
// ES modules ignore NODE_PATH: the package is imported from tests/node/node_modules by path.
const { default: Provider } = await import(
  pathToFileURL(path.join(options.modules, 'oidc-provider', 'lib', 'index.js')).href);
const issuer = `http://127.0.0.1:${options.port}`;
setTimeout(() => process.exit(0), options.seconds * 1000).unref();

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'idp-signing-1', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [options.client],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  ttl: { AuthorizationCode: 120, IdToken: 300, AccessToken: 300, Session: 600, Interaction: 300, Grant: 600 },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, email: `${sub}@example.com`, email_verified: true, name: 'Alice Example' };
      },
    };
  },
});

const server = http.createServer(provider.callback());
server.listen(options.port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
