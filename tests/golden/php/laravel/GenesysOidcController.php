<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;
use Illuminate\Http\Response;
use Illuminate\Support\Facades\Cache;

require_once __DIR__ . '/genesys-oidc-provider.php';

/**
 * OpenID Connect provider for Genesys Cloud authenticated Messenger, on Laravel routes under
 * /oidc (see the Route::prefix group in the routes file). The protocol itself is
 * genesys-oidc-provider.php next to this file: the same provider as for plain PHP, with the same
 * GENESYS_OIDC_* settings (see there; set them in the server's environment, as `php artisan
 * config:cache` stops .env from being read at run time). Codes, refresh tokens and replay records
 * live in Redis with GENESYS_OIDC_STORE_URL, else in the app's default cache store (Cache::store():
 * redis, memcached, database or dynamodb are shared by every server; file by one host's only), else,
 * with the array or null store, in the provider's private file store on this server.
 *
 * /authorize runs behind the site's own middleware and gets the signed-in user's claims from
 * the action that calls authorize() below; the other endpoints are public (Genesys calls /token
 * and /userinfo server to server, so they carry no CSRF token and no session).
 */
class GenesysOidcController
{
    public function discovery(Request $request): Response
    {
        return $this->answer($request, '/.well-known/openid-configuration');
    }

    public function jwks(Request $request): Response
    {
        return $this->answer($request, '/jwks.json');
    }

    /**
     * @param callable(Request): ?array $claims the signed-in user's claims (`sub` required), or
     *                                          null when nobody is signed in
     */
    public function authorize(Request $request, callable $claims): Response
    {
        return $this->answer($request, '/authorize', $claims);
    }

    public function token(Request $request): Response
    {
        return $this->answer($request, '/token');
    }

    public function userinfo(Request $request): Response
    {
        return $this->answer($request, '/userinfo');
    }

    /**
     * /authorize behind the Zendesk token route's own middleware, with the claims the Zendesk token
     * carried (ZendeskController::token()).
     */
    public function signIn(Request $request): Response
    {
        return $this->authorize($request, function (Request $request): ?array {
            $user = $request->user();
            if ($user === null) {
                return null;
            }
            return [
                'sub' => (string) $user->id,  // external_id -> sub (zendesk-messaging.yaml:10)
                'name' => $user->name,  // name -> name (zendesk-messaging.yaml:11)
                'email' => $user->email,  // email -> email (zendesk-messaging.yaml:12)
                'email_verified' => (bool) ($user->hasVerifiedEmail()),  // email_verified -> email_verified (zendesk-messaging.yaml:13)
            ];
        });
    }

    private function answer(Request $request, string $path, ?callable $claims = null): Response
    {
        $headers = [];
        foreach ($request->headers->all() as $name => $values) {
            $headers[$name] = (string) end($values);
        }
        $response = genesys_oidc_respond(
            $request->getMethod(),
            $path,
            $request->query->all(),
            $request->request->all(),
            $headers,
            $claims ?? static fn () => null,
            null,  // the route's middleware is the guard
            null,
            $request,
            self::store()
        );
        abort_if($response === null, 404);
        return new Response($response['body'], $response['status'], $response['headers']);
    }

    // The app's cache, unless it keeps nothing between requests (array) or nothing at all (null).
    private static function store(): ?\GenesysOidcStore
    {
        $cache = Cache::store();
        $inner = $cache->getStore();
        if ($inner instanceof \Illuminate\Cache\ArrayStore || $inner instanceof \Illuminate\Cache\NullStore) {
            return null;
        }
        return new \GenesysOidcCacheStore($cache);
    }
}
