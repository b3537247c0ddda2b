package keylock

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// TestExclusive: holders of one key never overlap, and locking several
// keys (in any order, some on one stripe) does not deadlock.
func TestExclusive(t *testing.T) {
	s := New(3)
	var mu sync.Mutex
	held := map[string]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		keys := []string{"a", "b", "c", "d"}
		if i%2 == 1 {
			keys = []string{"d", "c", "a"}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := s.Lock(context.Background(), keys...)
			if err != nil {
				t.Error(err)
				return
			}
			defer unlock()
			func() {
				mu.Lock()
				defer mu.Unlock()
				for _, k := range keys {
					if held[k] {
						t.Errorf("%s held twice", k)
					}
					held[k] = true
				}
			}()
			mu.Lock()
			defer mu.Unlock()
			for _, k := range keys {
				held[k] = false
			}
		}()
	}
	wg.Wait()
}

// TestCancelReleases: a Lock given up on ctx holds nothing afterwards.
func TestCancelReleases(t *testing.T) {
	s := New(64)
	unlock, err := s.Lock(context.Background(), "x")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Lock(ctx, "y", "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with a cancelled context: %v", err)
	}
	unlock()
	unlock2, err := s.Lock(context.Background(), "x", "y")
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
}
