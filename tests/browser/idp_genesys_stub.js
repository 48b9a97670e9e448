// Served in place of Genesys's bootstrap in the existing-IdP browser test. Like genesys_stub.js, it
// takes over the snippet's queue and asks a ready AuthProvider for a code with getAuthCode, as
// Messenger does, publishing Auth.authenticated or Auth.authError after it; it also lets the test
// run a registered command (window.__genesysStub.invoke('reAuthenticate')).
(function () {
  'use strict';

  var snippet = window.Genesys;
  var commands = {};
  var subscribers = {};
  var record = {
    config: snippet && snippet.c ? snippet.c : null, registered: [], commands: [], results: [], published: [],
  };
  window.__genesysStub = record;

  function publish(event, data) {
    record.published.push(event);
    (subscribers[event] || []).forEach(function (callback) { callback(data); });
  }

  function run(name, data) {
    var handler = commands[name];
    if (!handler) throw new Error('no command ' + name);
    handler({
      data: data || {},
      resolve: function (value) {
        record.results.push({ command: name, resolved: value === undefined ? null : value });
        if (name === 'getAuthCode') publish('Auth.authenticated', {});
      },
      reject: function (error) {
        record.results.push({ command: name, rejected: { name: error && error.name, code: error && error.code } });
        if (name === 'getAuthCode') publish('Auth.authError', {});
      },
    });
  }
  record.invoke = run;

  function Genesys(verb, name, factory) {
    if (verb === 'subscribe') {
      (subscribers[name] = subscribers[name] || []).push(factory);
      return undefined;
    }
    if (verb !== 'registerPlugin') return undefined;
    record.registered.push(name);
    factory({
      registerCommand: function (command, handler) {
        record.commands.push(command);
        commands[command] = handler;
      },
      subscribe: function () {},
      publish: function () {},
      command: function () { return Promise.resolve(); },
      ready: function () {
        if (name === 'AuthProvider') setTimeout(function () { run('getAuthCode', {}); }, 0);
      },
    });
    return undefined;
  }

  window.Genesys = Genesys;
  var queued = snippet && snippet.q ? snippet.q : [];
  for (var i = 0; i < queued.length; i += 1) Genesys.apply(null, queued[i]);
}());
