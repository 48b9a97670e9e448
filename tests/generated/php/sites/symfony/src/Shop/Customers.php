<?php

namespace App\Shop;

/** The shop's customer directory. */
class Customers
{
    private const CUSTOMERS = [
        'alice' => ['id' => 42, 'name' => 'Alice Example', 'email' => 'alice@example.com'],
    ];

    /** @return array{id: int, name: string, email: string}|null */
    public function find(string $username): ?array
    {
        return self::CUSTOMERS[$username] ?? null;
    }
}
