<?php
// The few Illuminate pieces GenesysOidcController and the rewritten action touch, reduced to
// what their Laravel counterparts do (Symfony's bags: all(); header names lower-cased, values
// in lists). Laravel itself is not installed where these tests run.

namespace Illuminate\Http {
    class Bag
    {
        public function __construct(private array $items)
        {
        }

        public function all(): array
        {
            return $this->items;
        }
    }

    class Request
    {
        public Bag $query;
        public Bag $request;
        public Bag $headers;

        public function __construct(private string $method, array $query, array $form, array $headers,
                                    private ?object $user)
        {
            $this->query = new Bag($query);
            $this->request = new Bag($form);
            $lower = [];
            foreach ($headers as $name => $value) {
                $lower[strtolower($name)] = [$value];
            }
            $this->headers = new Bag($lower);
        }

        public function getMethod(): string
        {
            return $this->method;
        }

        public function user(): ?object
        {
            return $this->user;
        }
    }

    class Response
    {
        public function __construct(public string $content = '', public int $status = 200, public array $headers = [])
        {
        }
    }

    class JsonResponse
    {
    }
}

namespace {
    function abort_if($condition, int $code): void
    {
        if ($condition) {
            throw new RuntimeException("abort($code)");
        }
    }
}
