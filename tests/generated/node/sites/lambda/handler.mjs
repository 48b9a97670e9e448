import jwt from 'jsonwebtoken';
import { findCustomer } from './customers.mjs';

// Zendesk Messaging: the widget's JWT for the customer the API's authorizer let through.
export const handler = async (event) => {
  const customerId = event.requestContext?.authorizer?.lambda?.customerId;
  if (!customerId) {
    return { statusCode: 401, body: JSON.stringify({ error: 'sign in first' }) };
  }
  const customer = await findCustomer(customerId);
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
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) };
};
