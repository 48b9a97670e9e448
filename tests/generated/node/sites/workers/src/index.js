import { SignJWT } from 'jose';
import { sessionCustomer } from './session.js';

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/health') {
      return new Response('ok');
    }
    // Zendesk Messaging: the widget's JWT for the signed-in customer.
    if (url.pathname === '/zendesk/jwt' && request.method === 'GET') {
      const customer = await sessionCustomer(request);
      if (!customer) {
        return Response.json({ error: 'sign in first' }, { status: 401 });
      }
      const token = await new SignJWT({
        external_id: String(customer.id),
        name: customer.name,
        email: customer.email,
        email_verified: customer.emailConfirmed,
        scope: 'user',
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: env.ZENDESK_KEY_ID })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(env.ZENDESK_SECRET));
      return Response.json({ token });
    }
    return new Response('not found', { status: 404 });
  },
};
