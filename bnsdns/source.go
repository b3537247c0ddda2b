package bnsdns

import (
	"context"
	"errors"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// ErrNotFound is what a Source returns (wrapped) for a name, subdomain or
// namespace that does not exist.
var ErrNotFound = errors.New("not found")

// Source is where the server reads names and zone files.
type Source interface {
	// Tip is what the Source's answers are as of. The server polls it and
	// drops its cache whenever it changes.
	Tip(ctx context.Context) (Tip, error)
	// Namespace reports whether a namespace exists (revealed or ready):
	// ErrNotFound if not.
	Namespace(ctx context.Context, id string) error
	// Name is a name's ("alice.test") current state; ErrNotFound if it was
	// never registered.
	Name(ctx context.Context, name string) (Name, error)
	// Subdomain is a subdomain's ("bob.alice.test") current state;
	// ErrNotFound if it has none.
	Subdomain(ctx context.Context, fqn string) (Name, error)
}

// Tip identifies the state a Source answers from.
type Tip struct {
	// Height is the last indexed block; it is the SOA serial.
	Height int64
	// ID changes with anything else that changes answers without a block:
	// the block's consensus hash (a reorganisation), zone files arriving.
	ID string
}

// Name is a name's or subdomain's state as the server needs it.
type Name struct {
	// Live is false for an expired or revoked name, which does not resolve.
	Live bool
	// ZonefileHash is the hash the chain (or the subdomain record) names
	// for its zone file, when HasZonefile.
	ZonefileHash zonefile.Hash
	HasZonefile  bool
	// Zonefile is the zone file's text, nil when the Source does not hold
	// it (yet: Atlas may still be fetching it).
	Zonefile []byte
}
