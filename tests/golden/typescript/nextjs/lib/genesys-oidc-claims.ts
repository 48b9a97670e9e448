// The signed-in visitor's claims for the ID tokens the OpenID provider (/oidc) issues
// to Genesys Cloud Messenger: the session lookup and the expressions of the old Zendesk token
// route (/api/zendesk/jwt). null when nobody is signed in.
import { getServerSession } from 'next-auth';
import { authOptions } from '@/lib/auth';
import type { OidcClaims } from './genesys-oidc';

export async function claims(_request: Request): Promise<OidcClaims | null> {
  const session = await getServerSession(authOptions);
  if (!session?.user) return null;  // the old route's check: not signed in
  return {
    sub: String(session.user.id),  // external_id -> sub (zendesk-messaging.yaml:10)
    name: session.user.name,  // name -> name (zendesk-messaging.yaml:11)
    email: session.user.email,  // email -> email (zendesk-messaging.yaml:12)
    email_verified: Boolean(session.user.emailVerified),  // email_verified -> email_verified (zendesk-messaging.yaml:13)
  };
}
