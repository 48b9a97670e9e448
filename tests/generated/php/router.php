<?php
// A small plain-PHP site that serves the rendered provider the way the generated front controller
// does:  php -S 127.0.0.1:PORT router.php  with GENESYS_OIDC_PROVIDER_FILE naming the rendered file.
// Test-only extras: the signed-in user comes from a "session" cookie, the time they signed in (when
// the site knows it) from an X-Test-Signed-In-At header, and
// POST /test/clock?offset=<seconds> shifts the provider's clock (kept in a file, as every request
// is a fresh PHP run).

declare(strict_types=1);

require_once getenv('GENESYS_OIDC_PROVIDER_FILE');

const USERS = [
    'alice' => ['id' => 42, 'name' => 'Alice Example', 'email' => 'alice@example.com'],
    'bob' => ['id' => 'b-7', 'name' => 'Bob Example', 'email' => 'bob@example.com'],
];
$clockFile = getenv('TEST_CLOCK_FILE');
$path = (string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);

if ($path === '/test/clock') {
    file_put_contents($clockFile, (string) (int) ($_GET['offset'] ?? 0));
    header('Content-Type: application/json');
    echo json_encode(['offset' => (int) ($_GET['offset'] ?? 0)]);
    return true;
}

$user = null;
$handled = genesys_oidc_handle(
    $path,
    function () use (&$user): ?array {
        $signedInAt = isset($_SERVER['HTTP_X_TEST_SIGNED_IN_AT']) ? (int) $_SERVER['HTTP_X_TEST_SIGNED_IN_AT'] : null;
        return $user === null ? null
            : ['sub' => (string) $user['id'], 'name' => $user['name'], 'email' => $user['email'], 'email_verified' => true,
               'auth_time' => $signedInAt];
    },
    function () use (&$user): bool {  // the site's own login check: loads the session user (or none)
        header('X-Guard: ran');
        $user = USERS[$_COOKIE['session'] ?? ''] ?? null;
        return true;
    },
    fn () => time() + (int) @file_get_contents($clockFile)
);
if (!$handled) {
    http_response_code(404);
    echo 'not found';
}
return true;
