// Test stand-in for ASP.NET MVC 5's attribute routing, which Mono's System.Web.Mvc (MVC 3) lacks:
// the two attributes, so that an MVC 5 controller routed by them compiles against Mono. Only
// their API shape follows MVC 5 (System.Web.Mvc.RouteAttribute, RoutePrefixAttribute).
using System;

namespace System.Web.Mvc
{
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
    public sealed class RouteAttribute : Attribute
    {
        public RouteAttribute(string template) { Template = template; }
        public string Template { get; private set; }
        public string Name { get; set; }
        public int Order { get; set; }
    }

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class RoutePrefixAttribute : Attribute
    {
        public RoutePrefixAttribute(string prefix) { Prefix = prefix; }
        public string Prefix { get; private set; }
    }
}
