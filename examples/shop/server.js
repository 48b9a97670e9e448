// Shop backend: sessions, a product page, and the token endpoint for the Zendesk Messaging widget.
const express = require('express');
const session = require('express-session');
const jwt = require('jsonwebtoken');
const { authenticate } = require('./users');

const app = express();
app.use(express.static('public'));
app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));

// Loads the signed-in customer from the session.
function requireAuth(req, res, next) {
  if (!req.session.user) {
    return res.status(401).json({ error: 'login required' });
  }
  req.user = req.session.user;
  next();
}

app.get('/', (req, res) => res.sendFile(__dirname + '/views/index.html'));

app.post('/login', express.urlencoded({ extended: false }), (req, res) => {
  const user = authenticate(req.body.email, req.body.password);
  if (!user) {
    return res.status(401).send('wrong email or password');
  }
  req.session.user = user;
  res.redirect('/');
});

// Zendesk Messaging: end-user authentication token (Admin Center > Account > Security).
app.get('/zendesk/jwt', requireAuth, (req, res) => {
  const payload = {
    external_id: req.user.id,
    name: req.user.name,
    email: req.user.email,
    email_verified: true,
    scope: 'user',
    exp: Date.now() + 3600,
  };
  const token = jwt.sign(payload, process.env.ZENDESK_MESSAGING_SECRET, {
    algorithm: 'HS256',
    keyid: process.env.ZENDESK_KEY_ID,
  });
  res.json(token);
});

app.listen(process.env.PORT || 3000);
