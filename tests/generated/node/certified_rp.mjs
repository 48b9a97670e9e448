// A certified OpenID relying party (panva's openid-client, OpenID Certified) driving a generated
// provider: discovery, authorization code + PKCE S256 + nonce + state, the ID token validated by the
// library (signature from the JWKS, iss, aud, exp, nonce), userinfo, refresh when asked, and the
// refusals a provider owes it. Input (stdin, JSON): issuer, client_id, client_secret, redirect_uri,
// headers (sent to /authorize: the site's session), scope, refresh. Output (stdout, JSON): what it saw.
import * as client from '../../node/node_modules/openid-client/build/index.js';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));
setTimeout(() => { console.error('certified_rp: no answer within 30 s'); process.exit(3); }, 30_000).unref();

const insecure = new URL(input.issuer).protocol === 'http:';  // loopback test servers
const options = insecure ? { execute: [client.allowInsecureRequests] } : undefined;
const config = await client.discovery(new URL(input.issuer), input.client_id, input.client_secret,
  client.ClientSecretBasic(input.client_secret), options);
const meta = config.serverMetadata();

async function authorize(extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: input.redirect_uri, scope: input.scope || 'openid profile email', state, nonce,
    code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  });
  const answer = await fetch(url, { headers: input.headers || {}, redirect: 'manual' });
  const location = answer.headers.get('location');
  return { answer, location, verifier, state, nonce };
}

async function grant(a, overrides = {}) {
  return client.authorizationCodeGrant(config, new URL(a.location), {
    pkceCodeVerifier: overrides.verifier ?? a.verifier, expectedNonce: a.nonce, expectedState: a.state,
  }, { redirect_uri: input.redirect_uri });
}

async function refused(promise) {
  try { await promise; return null; } catch (e) { return e.error || e.code || e.name || String(e); }
}

const out = { issuer: meta.issuer, discovery: {
  code_challenge_methods_supported: meta.code_challenge_methods_supported ?? null,
  grant_types_supported: meta.grant_types_supported ?? null,
  scopes_supported: meta.scopes_supported ?? null,
} };
const a = await authorize();
out.authorize_status = a.answer.status;
if (a.answer.status !== 302 || !a.location) {
  out.error = `authorize answered ${a.answer.status}: ${await a.answer.text()}`;
  console.log(JSON.stringify(out));
  process.exit(1);
}
const tokens = await grant(a);
out.claims = tokens.claims();
out.token_type = tokens.token_type;
out.expires_in = tokens.expires_in ?? null;
out.userinfo = await client.fetchUserInfo(config, tokens.access_token, out.claims.sub);
out.code_reused = await refused(grant(a));
const b = await authorize();
out.wrong_verifier = await refused(grant(b, { verifier: client.randomPKCECodeVerifier() }));
const c = await authorize();
out.wrong_nonce = await refused(client.authorizationCodeGrant(config, new URL(c.location), {
  pkceCodeVerifier: c.verifier, expectedNonce: client.randomNonce(), expectedState: c.state,
}, { redirect_uri: input.redirect_uri }));
out.refresh_token = Boolean(tokens.refresh_token);
// A provider may revoke what a reused code issued (RFC 6749 4.1.2): refresh from a sign-in of its own.
out.access_after_code_reuse = await refused(client.fetchUserInfo(config, tokens.access_token, out.claims.sub));
const d = input.refresh && tokens.refresh_token ? await grant(await authorize()) : null;
if (d && d.refresh_token) {
  const refreshed = await client.refreshTokenGrant(config, d.refresh_token);
  out.refreshed = { sub: refreshed.claims()?.sub ?? null, rotated: refreshed.refresh_token !== d.refresh_token };
  out.refresh_reused = await refused(client.refreshTokenGrant(config, d.refresh_token));
  out.rotated_after_reuse = refreshed.refresh_token
    ? await refused(client.refreshTokenGrant(config, refreshed.refresh_token)) : null;
}
console.log(JSON.stringify(out));
