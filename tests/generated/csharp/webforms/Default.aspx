<%@ Page Language="C#" MasterPageFile="~/Site.Master" CodeBehind="Default.aspx.cs" Inherits="Shop.DefaultPage" %>
<asp:Content ContentPlaceHolderID="MainContent" runat="server">
  <h1>Welcome to the shop</h1>
</asp:Content>
