using System;
using System.Collections.Generic;

namespace Shop.Models
{
    public class Customer
    {
        public object Id { get; set; }
        public string Name { get; set; }
        public string Email { get; set; }
    }

    // The shop's customers (a database in production).
    public static class Customers
    {
        private static readonly Dictionary<string, Customer> ByEmail = new Dictionary<string, Customer>(StringComparer.OrdinalIgnoreCase)
        {
            { "alice@example.com", new Customer { Id = 42, Name = "Alice Example", Email = "alice@example.com" } },
            { "bob@example.com", new Customer { Id = "b-7", Name = "Bob Example", Email = "bob@example.com" } },
        };

        public static Customer Find(string email)
        {
            Customer customer;
            return ByEmail.TryGetValue(email ?? "", out customer) ? customer : null;
        }

        public static Customer SignIn(string email, string password)
        {
            return password == "correct horse" ? Find(email) : null;
        }
    }
}
