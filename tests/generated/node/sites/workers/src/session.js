const CUSTOMERS = {
  alice: { id: 42, name: 'Alice Example', email: 'alice@example.com', emailConfirmed: true },
};

// The shop's session: the cookie names the signed-in customer.
export async function sessionCustomer(request) {
  const session = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.get('cookie') || '');
  return (session && CUSTOMERS[session[1]]) || null;
}
