<%@ Page Language="C#" %>
<!DOCTYPE html>
<html>
<head>
  <title>Shop</title>
</head>
<body>
  <h1>Welcome to the shop</h1>
  <script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=6f3c2d1e-4b5a-4c8d-9e0f-1a2b3c4d5e6f"></script>
  <script type="text/javascript">
    zE('messenger', 'loginUser', function (callback) {
      fetch('<%= ResolveUrl("~/Handlers/ZendeskJwt.ashx") %>', { credentials: 'same-origin' })
        .then(function (response) { return response.text(); })
        .then(callback);
    });
  </script>
</body>
</html>
