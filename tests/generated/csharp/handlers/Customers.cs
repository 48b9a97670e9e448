using System;
using System.Collections.Generic;

namespace Shop
{
    [Serializable]
    public class Customer
    {
        public object Id { get; set; }
        public string Name { get; set; }
        public string Email { get; set; }
    }

    // The shop's customers (a database in production).
    public static class Customers
    {
        private static readonly Dictionary<string, Customer> ByEmail = new Dictionary<string, Customer>
        {
            { "alice@example.com", new Customer { Id = 42, Name = "Alice Example", Email = "alice@example.com" } },
            { "bob@example.com", new Customer { Id = "b-7", Name = "Bob Example", Email = "bob@example.com" } },
        };

        public static Customer SignIn(string email, string password)
        {
            Customer customer;
            return password == "correct horse" && ByEmail.TryGetValue(email ?? "", out customer) ? customer : null;
        }
    }
}
