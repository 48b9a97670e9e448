<%@ Page Language="C#" MasterPageFile="~/Site.Master" CodeBehind="Login.aspx.cs" Inherits="Shop.Account.LoginPage" %>
<asp:Content ContentPlaceHolderID="MainContent" runat="server">
  <form method="post" action="Login.aspx">
    <input name="email" type="email" /> <input name="password" type="password" />
    <button type="submit">Sign in</button>
  </form>
</asp:Content>
