// Outdoor shop backend: sessions, the storefront, and the Zendesk Messaging token endpoint.
import express from 'express';
import session from 'express-session';
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

// Genesys Cloud Messenger signs visitors in through this OpenID provider (it replaces the
// Zendesk token route '/api/zendesk/token'); Genesys redeems the codes it issues.
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
