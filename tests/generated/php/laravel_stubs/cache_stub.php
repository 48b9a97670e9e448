<?php
// The stand-in Cache facade (see cache.php): its default store is the array store.
declare(strict_types=1);

namespace Illuminate\Cache {
    class ArrayStore
    {
    }

    class Repository
    {
        public function getStore(): object
        {
            return new ArrayStore();
        }
    }
}

namespace Illuminate\Support\Facades {
    class Cache
    {
        public static function store(): \Illuminate\Cache\Repository
        {
            return new \Illuminate\Cache\Repository();
        }
    }
}
