<?php
require __DIR__ . '/../vendor/autoload.php';
require_once __DIR__ . '/genesys-oidc-provider.php';

use Shop\Auth;

// Genesys Cloud Messenger signs visitors in through the OpenID provider served by this script
// (it takes over from the Zendesk token endpoint); Genesys redeems the codes it issues. Route
// every path under /oidc/ here, e.g. Apache: RewriteRule ^oidc/ /genesys-oidc.php [L]
$handled = genesys_oidc_handle(
    (string) parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH),
    // the signed-in visitor's claims, from the old Zendesk token's expressions
    function (): ?array {
        $customer = Auth::user();
        return [
            'sub' => (string) $customer['id'],  // external_id -> sub (zendesk-messaging.yaml:10)
            'name' => $customer['first_name'] . ' ' . $customer['last_name'],  // name -> name (zendesk-messaging.yaml:11)
            'email' => $customer['email'],  // email -> email (zendesk-messaging.yaml:12)
            'email_verified' => true,  // email_verified -> email_verified (zendesk-messaging.yaml:13)
        ];
    },
    // the old endpoint's login check, run before /authorize only
    function (): bool {
        Auth::start();
        if (Auth::user() === null) {
            http_response_code(401);
            exit;
        }
        return true;
    }
);
if (!$handled) {
    http_response_code(404);
}
