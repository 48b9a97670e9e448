<%@ Application Codebehind="Global.asax.cs" Inherits="Shop.MvcApplication" Language="C#" %>
