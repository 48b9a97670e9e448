using System.Web.Mvc;
using System.Web.Security;
using Shop.Models;

namespace Shop.Controllers
{
    public class AccountController : Controller
    {
        [HttpPost]
        public ActionResult Login(string email, string password)
        {
            var customer = Customers.SignIn(email, password);
            if (customer == null)
            {
                return new HttpStatusCodeResult(403);
            }
            FormsAuthentication.SetAuthCookie(customer.Email, false);
            return Redirect("~/");
        }
    }
}
