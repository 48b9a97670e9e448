<?php

namespace App\Controller;

use App\Shop\Customers;
use Firebase\JWT\JWT;
use Symfony\Bundle\FrameworkBundle\Controller\AbstractController;
use Symfony\Component\HttpFoundation\JsonResponse;
use Symfony\Component\Routing\Annotation\Route;

class ZendeskController extends AbstractController
{
    #[Route('/', name: 'home', methods: ['GET'])]
    public function home(): JsonResponse
    {
        return $this->json(['shop' => 'open']);
    }

    // Zendesk Messaging: signs the visitor in (messenger loginUser).
    #[Route('/zendesk/jwt', name: 'zendesk_jwt', methods: ['GET'])]
    public function jwt(Customers $customers): JsonResponse
    {
        $this->denyAccessUnlessGranted('ROLE_USER');
        $customer = $customers->find($this->getUser()->getUserIdentifier());
        $payload = [
            'external_id' => (string) $customer['id'],
            'name' => $customer['name'],
            'email' => $customer['email'],
            'scope' => 'user',
            'exp' => time() + 300,
        ];
        return $this->json(['jwt' => JWT::encode($payload, (string) getenv('ZENDESK_SECRET'), 'HS256')]);
    }
}
