'use strict';

const CUSTOMERS = {
  alice: { id: 42, name: 'Alice Example', email: 'alice@example.com', emailConfirmed: true },
};

exports.findCustomer = (session) => CUSTOMERS[session] || null;
