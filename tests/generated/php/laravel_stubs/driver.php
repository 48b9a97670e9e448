<?php
// php driver.php <controllers dir> <action> <request json>: one request through the rewritten
// ZendeskController::genesysAuthorize or GenesysOidcController, printed as JSON.
declare(strict_types=1);

require __DIR__ . '/illuminate.php';
require __DIR__ . '/cache.php';
[, $dir, $action, $json] = $argv;
require $dir . '/Controller.php';
require $dir . '/GenesysOidcController.php';
require $dir . '/ZendeskController.php';

$r = json_decode($json, true);
$user = null;
if (!empty($r['user'])) {
    $user = new class($r['user']) {
        public $id;
        public $name;
        public $email;

        public function __construct(array $u)
        {
            [$this->id, $this->name, $this->email] = [$u['id'], $u['name'], $u['email']];
        }

        public function hasVerifiedEmail(): bool
        {
            return true;
        }
    };
}
$request = new Illuminate\Http\Request($r['method'] ?? 'GET', $r['query'] ?? [], $r['form'] ?? [],
                                       $r['headers'] ?? [], $user);
$oidc = new App\Http\Controllers\GenesysOidcController();
$response = $action === 'authorize'
    ? (new App\Http\Controllers\ZendeskController())->genesysAuthorize($request, $oidc)
    : $oidc->$action($request);
echo json_encode(['status' => $response->status, 'headers' => $response->headers, 'body' => $response->content]);
