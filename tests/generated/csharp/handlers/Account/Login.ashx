<%@ WebHandler Language="C#" CodeBehind="Login.ashx.cs" Class="Shop.Account.Login" %>
