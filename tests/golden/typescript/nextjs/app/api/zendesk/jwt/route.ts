import { NextResponse } from 'next/server';
import { getServerSession } from 'next-auth';
import jwt from 'jsonwebtoken';
import { authOptions } from '@/lib/auth';

// Zendesk Messaging: end-user authentication token for the signed-in customer.
// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /api/zendesk/jwt is kept while the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)
export async function GET() {
  const session = await getServerSession(authOptions);
  if (!session?.user) {
    return NextResponse.json({ error: 'not signed in' }, { status: 401 });
  }
  const token = jwt.sign(
    {
      external_id: session.user.id,
      name: session.user.name,
      email: session.user.email,
      email_verified: session.user.emailVerified,
      scope: 'user',
    },
    process.env.ZENDESK_MESSAGING_SECRET!,
    { algorithm: 'HS256', keyid: process.env.ZENDESK_KEY_ID, expiresIn: '5m' },
  );
  return NextResponse.json({ token });
}
