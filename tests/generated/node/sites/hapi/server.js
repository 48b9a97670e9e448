'use strict';

const Hapi = require('@hapi/hapi');
const Boom = require('@hapi/boom');
const jwt = require('jsonwebtoken');
const { findCustomer } = require('./customers');

// The shop's session: the cookie names the signed-in customer.
const sessionScheme = () => ({
  authenticate: (request, h) => {
    const customer = findCustomer(request.state.session);
    if (!customer) {
      throw Boom.unauthorized('sign in first');
    }
    return h.authenticated({ credentials: customer });
  },
});

const init = async () => {
  const server = Hapi.server({ port: Number(process.env.PORT || 3000), host: '127.0.0.1' });
  server.state('session', { strictHeader: false, isSecure: false, isHttpOnly: true, encoding: 'none' });
  server.auth.scheme('shop-session', sessionScheme);
  server.auth.strategy('session', 'shop-session');
  server.ext('onPreResponse', (request, h) => {
    if (request.auth.isAuthenticated && request.response && !request.response.isBoom) {
      request.response.header('X-Guard', 'ran');
    }
    return h.continue;
  });

  server.route([
    {
      method: 'GET',
      path: '/health',
      handler: () => 'ok',
    },
    // Zendesk Messaging: the widget's JWT for the signed-in customer.
    {
      method: 'GET',
      path: '/zendesk/jwt',
      options: { auth: 'session' },
      handler: (request, h) => {
        const customer = request.auth.credentials;
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
        return h.response({ token });
      },
    },
  ]);

  await server.start();
  console.log(`listening ${server.info.port}`);
};

init();
