'use strict';

const Koa = require('koa');
const Router = require('@koa/router');
const jwt = require('jsonwebtoken');
const { findCustomer } = require('./customers');

const app = new Koa();
const router = new Router();

// The shop's session: the cookie names the signed-in customer.
app.use(async (ctx, next) => {
  ctx.state.customer = findCustomer(ctx.cookies.get('session'));
  await next();
});

async function requireCustomer(ctx, next) {
  if (!ctx.state.customer) {
    ctx.status = 401;
    ctx.body = { error: 'sign in first' };
    return;
  }
  ctx.set('X-Guard', 'ran');
  await next();
}

router.get('/health', (ctx) => {
  ctx.body = 'ok';
});

// Zendesk Messaging: the widget's JWT for the signed-in customer.
router.get('/zendesk/jwt', requireCustomer, async (ctx) => {
  const customer = ctx.state.customer;
  ctx.body = {
    token: jwt.sign(
      {
        external_id: String(customer.id),
        name: customer.name,
        email: customer.email,
        email_verified: customer.emailConfirmed,
        scope: 'user',
      },
      process.env.ZENDESK_SECRET,
      { header: { kid: process.env.ZENDESK_KEY_ID } },
    ),
  };
});

app.use(router.routes()).use(router.allowedMethods());

const server = app.listen(Number(process.env.PORT || 3000), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
