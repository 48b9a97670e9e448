import jwt from 'jsonwebtoken';
import { getCustomer } from '../../../lib/session';

// Zendesk Messaging: the widget's JWT for the signed-in customer.
export default async function handler(req, res) {
  const customer = await getCustomer(req);
  if (!customer) {
    return res.status(401).json({ error: 'sign in first' });
  }
  const token = jwt.sign(
    {
      external_id: String(customer.id),
      name: customer.name,
      email: customer.email,
      email_verified: customer.emailConfirmed,
      scope: 'user',
    },
    process.env.ZENDESK_SECRET,
    { expiresIn: '5m', header: { kid: process.env.ZENDESK_KEY_ID } },
  );
  res.status(200).json({ token });
}
