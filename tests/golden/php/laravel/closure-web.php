<?php

use App\Http\Controllers\GenesysOidcController;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Route;

Route::get('/', function () {
    return view('welcome');
});

// Genesys Cloud Messenger signs visitors in through this OpenID provider (it takes over from the
// Zendesk token route '/zendesk/jwt'); Genesys redeems the codes it issues, server to server.
Route::prefix('oidc')->group(function () {
    Route::get('/.well-known/openid-configuration', [GenesysOidcController::class, 'discovery']);
    Route::get('/jwks.json', [GenesysOidcController::class, 'jwks']);
    Route::get('/authorize', function (Request $request) {
        return app(GenesysOidcController::class)->authorize($request, function (Request $request): ?array {
            $user = $request->user();
            if ($user === null) {
                return null;
            }
            return [
                'sub' => (string) $user->getKey(),  // external_id -> sub (zendesk-messaging.yaml:10)
                'name' => $user->name,  // name -> name (zendesk-messaging.yaml:11)
                'email' => $user->email,  // email -> email (zendesk-messaging.yaml:12)
            ];
        });
    })->middleware('auth');
    // Genesys calls these two server to server: no CSRF token (Laravel 10-12 VerifyCsrfToken and its
    // ValidateCsrfToken subclass; PreventRequestForgery in newer releases).
    Route::post('/token', [GenesysOidcController::class, 'token'])->withoutMiddleware([
        \Illuminate\Foundation\Http\Middleware\VerifyCsrfToken::class,
        \Illuminate\Foundation\Http\Middleware\PreventRequestForgery::class,
    ]);
    Route::match(['get', 'post'], '/userinfo', [GenesysOidcController::class, 'userinfo'])->withoutMiddleware([
        \Illuminate\Foundation\Http\Middleware\VerifyCsrfToken::class,
        \Illuminate\Foundation\Http\Middleware\PreventRequestForgery::class,
    ]);
});
