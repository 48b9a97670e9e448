using System;
using System.Web.UI;

namespace Shop.Account
{
    public partial class LoginPage : Page
    {
        protected void Page_Load(object sender, EventArgs e)
        {
            if (Request.HttpMethod != "POST")
            {
                return;
            }
            var customer = Customers.SignIn(Request.Form["email"], Request.Form["password"]);
            if (customer != null)
            {
                SessionContext.Current.Customer = customer;
                Response.Redirect("~/Default.aspx", false);
            }
        }
    }
}
