const CUSTOMERS = {
  alice: { id: 42, name: 'Alice Example', email: 'alice@example.com', emailConfirmed: true },
};

// The shop's session: the cookie names the signed-in customer.
export async function getCustomer(req) {
  const session = /(?:^|;\s*)session=([^;]+)/.exec(req.headers.cookie || '');
  return (session && CUSTOMERS[session[1]]) || null;
}
