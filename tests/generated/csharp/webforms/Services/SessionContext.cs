using System;
using System.Configuration;
using System.Web;

namespace Shop
{
    // What the pages know about the visitor, from the ASP.NET session.
    public class SessionContext
    {
        private readonly HttpContext _context;

        private SessionContext(HttpContext context)
        {
            _context = context;
        }

        public static SessionContext Current
        {
            get { return new SessionContext(HttpContext.Current); }
        }

        public Customer Customer
        {
            get { return _context.Session == null ? null : _context.Session["customer"] as Customer; }
            set { _context.Session["customer"] = value; }
        }

        public string Jwt
        {
            get { return new JwtTokenService(Environment.GetEnvironmentVariable("ZENDESK_MESSAGING_SECRET")).Create(); }
        }
    }
}
