<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;

class ZendeskController extends Controller
{
    /**
     * Genesys Cloud Messenger: /oidc/authorize of the OpenID provider (it replaces the
     * Zendesk token action), behind this route's own middleware, with the claims the Zendesk
     * token carried.
     */
    public function genesysAuthorize(Request $request, GenesysOidcController $oidc)
    {
        return $oidc->authorize($request, function (Request $request): ?array {
            $user = $request->user();
            return [
                'sub' => (string) $user->id,  // external_id -> sub (zendesk-messaging.yaml:10)
                'name' => $user->name,  // name -> name (zendesk-messaging.yaml:11)
                'email' => $user->email,  // email -> email (zendesk-messaging.yaml:12)
                'email_verified' => (bool) ($user->hasVerifiedEmail()),  // email_verified -> email_verified (zendesk-messaging.yaml:13)
            ];
        });
    }

    public function status(): JsonResponse
    {
        return response()->json(['chat' => 'zendesk']);
    }
}
