// Served in place of Genesys's bootstrap
// (https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js) in the browser test. It
// implements as much of the `Genesys` global as the migrated page uses: it takes over the queue
// the Messenger snippet kept, records each call, runs registered plugins, and once the
// AuthProvider is ready asks it for a code with getAuthCode, as Messenger does.
// Everything it sees is kept in window.__genesysStub for the test to read.
(function () {
  'use strict';

  var snippet = window.Genesys;
  var record = {
    config: snippet && snippet.c ? snippet.c : null,
    calls: [],
    registered: [],
    commands: [],
    ready: 0,
    results: [],
  };
  window.__genesysStub = record;

  function show(text) {
    var badge = document.getElementById('genesys-stub');
    if (!badge) {
      badge = document.createElement('aside');
      badge.id = 'genesys-stub';
      badge.style.cssText = 'position:fixed;right:16px;bottom:16px;max-width:420px;'
        + 'padding:12px 14px;font:13px/1.4 sans-serif;background:#fff7e6;'
        + 'border:1px solid #e0a100;border-radius:8px;';
      document.body.appendChild(badge);
    }
    badge.textContent = 'Genesys bootstrap stub (test): ' + text;
  }

  // Page-level subscriptions (Genesys('subscribe', event, callback)), and the Auth events
  // Messenger publishes once its AuthProvider sign-in ends: Auth.authenticated after a code,
  // Auth.authError after a refusal.
  var subscribers = {};
  record.published = [];

  function publish(event, data) {
    record.published.push(event);
    (subscribers[event] || []).forEach(function (callback) { callback(data); });
  }

  function settle(result) {
    record.results.push(result);
    publish(result.resolved ? 'Auth.authenticated' : 'Auth.authError', result.resolved ? {} : result.rejected);
    if (result.resolved) {
      show('AuthProvider registered and ready; getAuthCode resolved a code ('
        + String(result.resolved.authCode).slice(0, 8) + '…), nonce and PKCE verifier.');
    } else {
      show('AuthProvider registered and ready; getAuthCode rejected: '
        + result.rejected.code + '.');
    }
  }

  function askForCode(handler) {
    handler({
      resolve: function (value) { settle({ resolved: value === undefined ? null : value }); },
      reject: function (error) {
        settle({
          rejected: {
            name: error && error.name,
            code: error && error.code,
            message: String(error && error.message),
          },
        });
      },
    });
  }

  function Genesys(verb, name, factory) {
    record.calls.push([verb, name]);
    if (verb === 'subscribe') {
      (subscribers[name] = subscribers[name] || []).push(factory);
      return undefined;
    }
    if (verb !== 'registerPlugin') return undefined;
    record.registered.push(name);
    var commands = {};
    factory({
      registerCommand: function (command, handler) {
        record.commands.push(command);
        commands[command] = handler;
      },
      subscribe: function () {},
      publish: function () {},
      command: function () { return Promise.resolve(); },
      ready: function () {
        record.ready += 1;
        if (name === 'AuthProvider' && commands.getAuthCode) {
          setTimeout(function () { askForCode(commands.getAuthCode); }, 0);
        }
      },
    });
    return undefined;
  }

  window.Genesys = Genesys;
  var queued = snippet && snippet.q ? snippet.q : [];
  for (var i = 0; i < queued.length; i += 1) Genesys.apply(null, queued[i]);
}());
