export interface Customer {
  id: number;
  name: string;
  email: string;
  emailConfirmed: boolean;
}

const CUSTOMERS: Record<string, Customer> = {
  alice: { id: 42, name: 'Alice Example', email: 'alice@example.com', emailConfirmed: true },
};

export function findCustomer(cookie: string | undefined): Customer | null {
  const session = /(?:^|;\s*)session=([^;]+)/.exec(cookie || '');
  return (session && CUSTOMERS[session[1]]) || null;
}
