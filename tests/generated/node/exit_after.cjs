'use strict';
// Preloaded (node -r) into a migrated site the tests start: the site ends by itself after
// HOST_APP_MAX_SECONDS, whatever happens to the test that started it.
setTimeout(() => process.exit(0), Number(process.env.HOST_APP_MAX_SECONDS || 60) * 1000).unref();
