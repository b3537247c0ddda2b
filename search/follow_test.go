package search

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
)

// chain writes blocks of name operations into a name database, as the
// indexer does.
type chain struct {
	t      *testing.T
	db     *namedb.DB
	height int64
	fork   string // changes the blocks' hashes after a rewind
}

// block commits the next block, registering (or, revoked, revoking) names.
func (c *chain) block(revoked bool, names ...string) {
	c.t.Helper()
	c.height++
	tx, err := c.db.Begin(context.Background(), c.height)
	if err != nil {
		c.t.Fatal(err)
	}
	tx.KeepUndoFrom(1)
	for i, n := range names {
		op := "NAME_REGISTRATION"
		if revoked {
			op = "NAME_REVOKE"
		}
		rec := &namedb.NameRecord{Name: n, NamespaceID: "id", Address: "addr", ExpireBlock: c.height + 100, Revoked: revoked, Op: op, BlockNumber: c.height}
		if err := tx.PutName(rec); err != nil {
			c.t.Fatal(err)
		}
		if err := tx.AddHistory(namedb.HistoryEntry{Block: c.height, Vtxindex: i, Txid: fmt.Sprintf("%064x", i), Op: op, Subject: n, Accepted: true, Record: []byte("{}")}); err != nil {
			c.t.Fatal(err)
		}
	}
	b := namedb.Block{Height: c.height, Hash: fmt.Sprintf("%1s%063x", c.fork, c.height), ConsensusHash: fmt.Sprintf("%032x", c.height), OpsHash: fmt.Sprintf("%064x", 0)}
	if err := tx.Commit(b, nil); err != nil {
		c.t.Fatal(err)
	}
}

// fakeSubs is a subdomain index of names added in order.
type fakeSubs struct {
	names             []string
	commits, removals uint64
}

func (s *fakeSubs) NamesAfter(_ context.Context, after int64, limit int) ([]string, int64, error) {
	end := min(int(after)+limit, len(s.names))
	return s.names[after:end], int64(end), nil
}
func (s *fakeSubs) Commits() uint64  { return s.commits }
func (s *fakeSubs) Removals() uint64 { return s.removals }

func (s *fakeSubs) add(n string) { s.names = append(s.names, n); s.commits++ }

func found(t *testing.T, f *Follower, q string) []string {
	t.Helper()
	hits, _, err := f.Search(context.Background(), q, 0, 20, func(_ int64, revoked bool) bool { return !revoked })
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Name
	}
	return out
}

// TestFollower: a name registered in block N is found by a search made
// after block N commits, without waiting for the follower's loop;
// revoked names drop out; subdomains are found as they are accepted; a
// rewind takes back the names of the blocks it undoes once the loop has
// built the new index.
func TestFollower(t *testing.T) {
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &chain{t: t, db: db}
	c.block(false, "alice.id", "bob.id")
	subs := &fakeSubs{}
	f := NewFollower(db, subs, nil)
	if err := f.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := found(t, f, "ALI"); !slices.Equal(got, []string{"alice.id"}) {
		t.Fatalf("after block 1: %v", got)
	}
	c.block(false, "malice.id")
	subs.add("carol.alice.id")
	if got := found(t, f, "alic"); !slices.Equal(got, []string{"alice.id", "malice.id", "carol.alice.id"}) {
		t.Fatalf("after block 2: %v", got)
	}
	c.block(true, "alice.id")
	if got := found(t, f, "alic"); !slices.Equal(got, []string{"malice.id", "carol.alice.id"}) {
		t.Fatalf("after the revocation: %v", got)
	}
	// The new branch is as long as the old: only the hash says.
	if err := db.Rewind(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	c.height, c.fork = 1, "f"
	c.block(false, "alicia.id")
	c.block(false)
	// A search does not build: it answers from the index it has until the
	// follower's loop (Step) builds the new one.
	if got := found(t, f, "alic"); !slices.Equal(got, []string{"malice.id", "carol.alice.id"}) {
		t.Fatalf("after the rewind, before a step: %v", got)
	}
	if err := f.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := found(t, f, "alic"); !slices.Equal(got, []string{"alice.id", "alicia.id", "carol.alice.id"}) {
		t.Fatalf("after the rewind: %v", got)
	}
	subs.names, subs.removals = nil, subs.removals+1
	if err := f.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := found(t, f, "alic"); !slices.Equal(got, []string{"alice.id", "alicia.id"}) {
		t.Fatalf("after the subdomain's removal: %v", got)
	}
}

// TestFollowerNotReady: while the first index is being built (a step
// holds the follower), a search answers ErrNotReady at once.
func TestFollowerNotReady(t *testing.T) {
	f := NewFollower(nil, nil, nil)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, _, err := f.Search(context.Background(), "a", 0, 1, allLive); !errors.Is(err, ErrNotReady) {
		t.Fatalf("got %v, want ErrNotReady", err)
	}
}
