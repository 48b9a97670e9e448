package genesysoidc

// The in-process store of the rendered provider, tested from inside its package (toolchains.py copies
// this file next to genesysoidc.go and runs `go test`): entries expire one by one, a full store drops
// the entry nearest its expiry and keeps the others, and of many goroutines taking one key one wins.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestEntriesExpireOneByOne(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	store := newMemoryStore(func() time.Time { return now })
	ctx := context.Background()
	_ = store.Set(ctx, "short", []byte("1"), time.Minute)
	_ = store.Set(ctx, "long", []byte("2"), time.Hour)
	now = now.Add(2 * time.Minute)
	if value, _ := store.Get(ctx, "short"); value != nil {
		t.Fatalf("an expired entry is still there: %q", value)
	}
	if value, _ := store.Get(ctx, "long"); string(value) != "2" {
		t.Fatalf("a live entry went with an expired one: %q", value)
	}
}

func TestAFullStoreDropsTheEntryNearestItsExpiry(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	store := newMemoryStore(func() time.Time { return now })
	ctx := context.Background()
	_ = store.Set(ctx, "soonest", []byte("x"), time.Second)
	for i := 1; i < MaxMemoryEntries; i++ {
		_ = store.Set(ctx, fmt.Sprintf("code-%d", i), []byte("x"), time.Minute)
	}
	_ = store.Set(ctx, "one-more", []byte("y"), time.Minute)
	if len(store.entries) != MaxMemoryEntries {
		t.Fatalf("%d entries kept; the bound is %d", len(store.entries), MaxMemoryEntries)
	}
	if value, _ := store.Get(ctx, "soonest"); value != nil {
		t.Fatal("the entry nearest its expiry was kept")
	}
	for _, key := range []string{"code-1", fmt.Sprintf("code-%d", MaxMemoryEntries-1), "one-more"} {
		if value, _ := store.Get(ctx, key); value == nil {
			t.Fatalf("%s was dropped: a full store must not evict everyone", key)
		}
	}
}

func TestOneTakerWins(t *testing.T) {
	store := newMemoryStore(time.Now)
	ctx := context.Background()
	_ = store.Set(ctx, "code", []byte("grant"), time.Minute)
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if value, _ := store.Take(ctx, "code"); value != nil {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d takers got the code", won.Load())
	}
}
