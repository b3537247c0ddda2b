package api

import (
	"context"
	"errors"
	"testing"

	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// TestStoreZonefilesAdded: Added hears of each zone file Put newly stores,
// once, and of nothing refused.
func TestStoreZonefilesAdded(t *testing.T) {
	named := []byte(zonefileText)
	st, err := store.Open(t.TempDir(), store.NameSetFunc(func(_ context.Context, h zonefile.Hash) (bool, error) {
		return h == zonefile.HashOf(named), nil
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var heard []zonefile.Hash
	z := StoreZonefiles{Store: st, Added: func(h zonefile.Hash) { heard = append(heard, h) }}
	for range 2 {
		if _, err := z.Put(context.Background(), named); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := z.Put(context.Background(), []byte("not named")); !errors.Is(err, store.ErrNotNamed) {
		t.Fatalf("unnamed zone file: %v", err)
	}
	if len(heard) != 1 || heard[0] != zonefile.HashOf(named) {
		t.Fatalf("Added heard %v, want the named zone file once", heard)
	}
}
