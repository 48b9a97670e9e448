// Outdoor shop backend: sessions, the storefront, and the Zendesk Messaging token endpoint.
import express from 'express';
import session from 'express-session';
import jwt from 'jsonwebtoken';
import { requireCustomer, type AuthedRequest } from './auth';
import { authenticate } from './users';
import { createOidcProvider } from './genesys-oidc-provider';

const app = express();
app.use(express.static('public'));
app.use(session({ secret: process.env.SESSION_SECRET ?? 'dev', resave: false, saveUninitialized: false }));

app.get('/health', (_req, res) => {
  res.json({ ok: true });
});

app.post('/login', express.urlencoded({ extended: false }), (req, res) => {
  const customer = authenticate(String(req.body.email ?? ''), String(req.body.password ?? ''));
  if (!customer) {
    res.status(401).send('wrong email or password');
    return;
  }
  req.session.customer = customer;
  res.redirect('/');
});

// Zendesk Messaging: end-user authentication token (Admin Center > Account > Security).
// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /api/zendesk/token is kept while the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)
app.get('/api/zendesk/token', requireCustomer, (req: AuthedRequest, res) => {
  const customer = req.customer!;
  const token = jwt.sign(
    {
      external_id: customer.id,
      name: customer.displayName,
      email: customer.email,
      email_verified: customer.emailConfirmed,
      scope: 'user',
    },
    process.env.ZENDESK_MESSAGING_SECRET as string,
    { algorithm: 'HS256', keyid: process.env.ZENDESK_KEY_ID, expiresIn: '1h' },
  );
  res.json({ token });
});

// Genesys Cloud Messenger signs visitors in through this OpenID provider; Genesys redeems
// the codes it issues.
app.use("/oidc", createOidcProvider({
  guard: requireCustomer,
  claims: (req: AuthedRequest) => {
    const customer = req.customer!;
    return {
      sub: String(customer.id),  // external_id -> sub (zendesk-messaging.yaml:10)
      name: customer.displayName,  // name -> name (zendesk-messaging.yaml:11)
      email: customer.email,  // email -> email (zendesk-messaging.yaml:12)
      email_verified: Boolean(customer.emailConfirmed),  // email_verified -> email_verified (zendesk-messaging.yaml:13)
    };
  },
}));

app.listen(Number(process.env.PORT ?? 3000));
