// Signs the customer into the chat and keeps the page in step with it.
zE('messenger', 'loginUser', function (callback) {
  fetch('/zendesk/jwt', { credentials: 'same-origin' })
    .then(function (response) { return response.text(); })
    .then(function (token) { callback(token); });
});

zE('messenger:set', 'locale', document.documentElement.lang);

zE('messenger:on', 'unreadMessages', function (count) {
  var badge = document.getElementById('unread');
  badge.hidden = count === 0;
  badge.textContent = String(count);
});

document.querySelector('#logout').addEventListener('click', function () {
  zE('messenger', 'logoutUser');
});
