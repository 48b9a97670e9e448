// The shop's customers. A real shop keeps them in its database with hashed passwords.
const crypto = require('crypto');

const customers = [
  { id: 4217, name: 'Ada Lovelace', email: 'ada@example.com', salt: 'c1a9', hash: '' },
  { id: 5832, name: 'Alan Turing', email: 'alan@example.com', salt: '77f0', hash: '' },
];

function hashPassword(password, salt) {
  return crypto.scryptSync(password, salt, 32).toString('hex');
}

// Demo passwords, set when the module loads: "lovelace" and "turing".
customers[0].hash = hashPassword('lovelace', customers[0].salt);
customers[1].hash = hashPassword('turing', customers[1].salt);

function authenticate(email, password) {
  const customer = customers.find((c) => c.email === email);
  if (!customer) return null;
  const given = Buffer.from(hashPassword(String(password || ''), customer.salt), 'hex');
  const expected = Buffer.from(customer.hash, 'hex');
  if (!crypto.timingSafeEqual(given, expected)) return null;
  return { id: customer.id, name: customer.name, email: customer.email };
}

module.exports = { authenticate };
