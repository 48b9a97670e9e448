using System;
using System.Web.UI;

namespace Shop
{
    public partial class DefaultPage : Page
    {
    }
}
