// /oidc/token: part of the site's OpenID provider for Genesys Cloud Messenger
// (see ../../../lib/genesys-oidc.ts).
import { sharedOidcProvider } from '../../../lib/genesys-oidc';
import { claims } from '../../../lib/genesys-oidc-claims';

// Per request, on the Node.js runtime (node:crypto, node:fs): never cached, never prerendered.
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function POST(request: Request): Promise<Response> {
  return sharedOidcProvider({ claims }).token(request);
}
