// Runs a Lambda handler module the way API Gateway (HTTP API, payload 2.0) calls it, for the tests:
// `node lambda_host.mjs MODULE`. /oidc/* goes to the module's genesysOidcHandler, /zendesk/jwt to
// its handler; a stand-in for the API's Lambda authorizer puts the `session` cookie's customer in
// requestContext.authorizer.lambda.customerId (no cookie, no authorizer context). Prints "listening PORT".
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const mod = await import(pathToFileURL(path.resolve(process.argv[2])).href);
const ROUTES = [['/oidc', 'genesysOidcHandler'], ['/zendesk/jwt', 'handler']];

function event(req, url, body) {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, [].concat(v).join(', ')]));
  const session = /(?:^|;\s*)session=([^;]+)/.exec(headers.cookie || '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      http: { method: req.method, path: url.pathname, sourceIp: '127.0.0.1' },
      ...(session ? { authorizer: { lambda: { customerId: session[1] } } } : {}),
    },
    body: body.length ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
  };
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, `http://${req.headers.host}`);
    const route = ROUTES.find(([prefix]) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
    const handler = route && mod[route[1]];
    if (typeof handler !== 'function') {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const result = await handler(event(req, url, Buffer.concat(chunks)), { functionName: route[1] });
    res.writeHead(result.statusCode || 200, result.headers || {});
    res.end(result.isBase64Encoded ? Buffer.from(result.body || '', 'base64') : result.body || '');
  } catch (err) {
    console.error(err);
    res.writeHead(502).end('{"message":"Internal Server Error"}');
  }
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
