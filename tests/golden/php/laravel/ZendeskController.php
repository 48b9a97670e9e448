<?php

namespace App\Http\Controllers;

use Firebase\JWT\JWT;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;

class ZendeskController extends Controller
{
    // TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt is kept while the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)
    /**
     * Zendesk Messaging: the signed-in customer's JWT for messenger loginUser.
     */
    public function token(Request $request): JsonResponse
    {
        $user = $request->user();

        $payload = [
            'external_id' => (string) $user->id,
            'name' => $user->name,
            'email' => $user->email,
            'email_verified' => $user->hasVerifiedEmail(),
            'scope' => 'user',
        ];

        $jwt = JWT::encode($payload, config('services.zendesk.messaging_secret'), 'HS256', config('services.zendesk.key_id'));

        return response()->json(['jwt' => $jwt]);
    }

    public function status(): JsonResponse
    {
        return response()->json(['chat' => 'zendesk']);
    }
}
