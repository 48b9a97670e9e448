using System.Web;
using System.Web.SessionState;

namespace Shop.Account
{
    /// <summary>Signs a customer in to the session (the shop's login form posts here).</summary>
    public class Login : IHttpHandler, IRequiresSessionState
    {
        public bool IsReusable
        {
            get { return true; }
        }

        public void ProcessRequest(HttpContext context)
        {
            var customer = Customers.SignIn(context.Request.Form["email"], context.Request.Form["password"]);
            if (customer == null)
            {
                context.Response.StatusCode = 403;
                return;
            }
            context.Session["customer"] = customer;
            context.Response.Redirect("~/Default.aspx", false);
        }
    }
}
