<?php

use App\Http\Controllers\GenesysOidcController;
use App\Http\Controllers\ProfileController;
use App\Http\Controllers\ZendeskController;
use Illuminate\Support\Facades\Route;

Route::get('/', function () {
    return view('welcome');
});

Route::middleware('auth')->group(function () {
    Route::get('/profile', [ProfileController::class, 'edit'])->name('profile.edit');
    Route::get('/zendesk/jwt', [ZendeskController::class, 'token'])->middleware('verified')->name('zendesk.jwt');
});

// Genesys Cloud Messenger signs visitors in through this OpenID provider (it takes over from the
// Zendesk token route '/zendesk/jwt'); Genesys redeems the codes it issues, server to server.
Route::prefix('oidc')->group(function () {
    Route::get('/.well-known/openid-configuration', [GenesysOidcController::class, 'discovery']);
    Route::get('/jwks.json', [GenesysOidcController::class, 'jwks']);
    Route::get('/authorize', [GenesysOidcController::class, 'signIn'])->middleware(['auth', 'verified']);
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

Route::get('/chat/status', [ZendeskController::class, 'status']);
