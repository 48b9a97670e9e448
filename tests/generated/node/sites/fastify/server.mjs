import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import { customerFromCookie } from './customers.mjs';

const fastify = Fastify({ logger: false });

// The shop's session: the cookie names the signed-in customer.
fastify.decorateRequest('customer', null);
fastify.addHook('onRequest', async (request) => {
  request.customer = customerFromCookie(request.headers.cookie);
});

fastify.get('/health', async () => 'ok');

// Zendesk Messaging: the widget's JWT for the signed-in customer.
fastify.route({
  method: 'GET',
  url: '/zendesk/jwt',
  handler: async (request, reply) => {
    if (!request.customer) {
      return reply.code(401).send({ error: 'sign in first' });
    }
    const { customer } = request;
    const token = jwt.sign(
      {
        external_id: String(customer.id),
        name: customer.name,
        email: customer.email,
        email_verified: customer.emailConfirmed,
        scope: 'user',
      },
      process.env.ZENDESK_SECRET,
      { header: { kid: process.env.ZENDESK_KEY_ID } },
    );
    return { token };
  },
});

const address = await fastify.listen({ port: Number(process.env.PORT || 3000), host: '127.0.0.1' });
console.log(`listening ${new URL(address).port}`);
