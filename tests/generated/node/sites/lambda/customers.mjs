const CUSTOMERS = {
  alice: { id: 42, name: 'Alice Example', email: 'alice@example.com', emailConfirmed: true },
};

export async function findCustomer(id) {
  return CUSTOMERS[id] || null;
}
