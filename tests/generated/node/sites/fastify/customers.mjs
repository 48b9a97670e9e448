const CUSTOMERS = {
  alice: { id: 42, name: 'Alice Example', email: 'alice@example.com', emailConfirmed: true },
};

export function customerFromCookie(header) {
  const session = /(?:^|;\s*)session=([^;]+)/.exec(header || '');
  return (session && CUSTOMERS[session[1]]) || null;
}
