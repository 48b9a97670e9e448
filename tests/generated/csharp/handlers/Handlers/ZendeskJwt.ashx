<%@ WebHandler Language="C#" CodeBehind="ZendeskJwt.ashx.cs" Class="Shop.Handlers.ZendeskJwt" %>
