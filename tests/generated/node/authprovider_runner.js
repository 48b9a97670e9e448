'use strict';

// Runs the rendered AuthProvider plugin as a page would, with a stub `Genesys` global:
//   node authprovider_runner.js <rendered authprovider.js> '<json options>'
// options: calls (how many getAuthCode commands, one after the other), session (the test
//   guard's user, sent as a cookie header: node's fetch keeps no cookies), tamperState (change
//   the state in the provider's answer), reAuthenticate (run that command too).
// Prints one JSON line: what the plugin registered and how each command ended.

const fs = require('fs');
const vm = require('vm');

const [pluginFile, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions || '{}');

const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (options.session) headers.set('Cookie', `session=${options.session}`);
  const response = await realFetch(url, { ...init, headers, signal: AbortSignal.timeout(5000) });
  if (!options.tamperState || !response.ok) return response;
  const body = await response.json();
  return new Response(JSON.stringify({ ...body, state: `${body.state}x` }), {
    status: response.status,
    headers: { 'Content-Type': 'application/json' },
  });
};

const navigation = [];
globalThis.window = globalThis;
Object.defineProperty(globalThis, 'location', {
  value: { assign: (url) => navigation.push({ assign: url }), reload: () => navigation.push({ reload: true }) },
});

const record = { registered: [], commands: [], ready: 0, results: [], navigation };
const plugins = {};
globalThis.Genesys = (verb, name, factory) => {
  record.registered.push([verb, name]);
  if (verb !== 'registerPlugin') return;
  const commands = {};
  plugins[name] = commands;
  factory({
    registerCommand: (command, handler) => {
      record.commands.push(command);
      commands[command] = handler;
    },
    subscribe: () => {},
    ready: () => { record.ready += 1; },
  });
};

// A command that never settles must fail the test, not hang it.
const watchdog = setTimeout(() => {
  process.stderr.write('timed out waiting for the plugin\n');
  process.exit(2);
}, 10000);

function run(command) {
  return new Promise((settle) => {
    plugins.AuthProvider[command]({
      resolve: (value) => settle({ resolved: value === undefined ? null : value }),
      reject: (error) => settle({
        rejected: { name: error && error.name, code: error && error.code, message: String(error && error.message) },
      }),
    });
  });
}

(async () => {
  vm.runInThisContext(fs.readFileSync(pluginFile, 'utf8'), { filename: pluginFile });
  for (let i = 0; i < (options.calls || 0); i += 1) {
    record.results.push(await run('getAuthCode'));
  }
  if (options.reAuthenticate) {
    plugins.AuthProvider.reAuthenticate({ resolve: () => {}, reject: () => {} });
  }
  process.stdout.write(`${JSON.stringify(record)}\n`);
  clearTimeout(watchdog);
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
