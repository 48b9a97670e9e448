'use strict';

const Hapi = require('@hapi/hapi');
const jwt = require('jsonwebtoken');
const { findCustomer } = require('./customers');

const server = Hapi.server({ port: Number(process.env.PORT || 3000), host: '127.0.0.1' });
server.state('session', { strictHeader: false, isSecure: false, isHttpOnly: true, encoding: 'none' });

// The shop's session: the cookie names the signed-in customer, when there is one.
server.auth.scheme('shop-session', () => ({
  authenticate: (request, h) => h.authenticated({ credentials: { customer: findCustomer(request.state.session) } }),
}));
server.auth.strategy('session', 'shop-session');

// Zendesk Messaging: the widget's JWT, for signed-in customers only.
server.route({
  method: 'GET',
  path: '/zendesk/jwt',
  options: { auth: { mode: 'try', strategy: 'session' } },
  handler: (request, h) => {
    const { customer } = request.auth.credentials;
    if (!customer) {
      return h.response({ error: 'sign in first' }).code(401).header('X-Guard', 'refused');
    }
    const token = jwt.sign(
      { external_id: String(customer.id), name: customer.name, email: customer.email, email_verified: customer.emailConfirmed },
      process.env.ZENDESK_SECRET,
      { header: { kid: process.env.ZENDESK_KEY_ID } },
    );
    return { token };
  },
});

server.start().then(() => console.log(`listening ${server.info.port}`));
