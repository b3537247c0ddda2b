package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// StoreZonefiles serves zone files from a zone file store. Added, if set,
// is told of each zone file Put stores that the store did not hold (the
// node passes them to Atlas, which gossips them to its peers).
type StoreZonefiles struct {
	Store *store.Store
	Added func(zonefile.Hash)
}

// Get reads a verified zone file.
func (z StoreZonefiles) Get(_ context.Context, hash string) ([]byte, error) {
	h, err := zonefile.ParseHash(hash)
	if err != nil {
		return nil, err
	}
	data, err := z.Store.Get(h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", ErrZonefileNotFound, err)
	}
	return data, err
}

// Put stores a zone file the chain names.
func (z StoreZonefiles) Put(ctx context.Context, data []byte) (string, error) {
	h, added, err := z.Store.Put(ctx, data)
	if err == nil && added && z.Added != nil {
		z.Added(h)
	}
	return h.String(), err
}

// ChainNamed is the store's test of what the chain names: the name
// database's zone file hash inventory.
func ChainNamed(db *namedb.DB) store.NameSet {
	return store.NameSetFunc(func(ctx context.Context, h zonefile.Hash) (bool, error) {
		return db.ZonefileNamed(ctx, h.String())
	})
}
