package virtualchain_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

func openDevchain(t testing.TB) *devchain.Chain {
	t.Helper()
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(t.TempDir(), "chain"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func openIndexer(t testing.TB, b chain.Backend, rules rules.Rules) (*virtualchain.Indexer, *namedb.DB) {
	t.Helper()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ix, err := virtualchain.New(context.Background(), db, b, virtualchain.Config{Network: &bns.DevNet, Rules: rules, FirstBlock: 1})
	if err != nil {
		t.Fatal(err)
	}
	return ix, db
}

// consensusHashes lists a database's consensus hashes from block 1 to tip.
func consensusHashes(t testing.TB, db *namedb.DB, tip int64) []string {
	t.Helper()
	var out []string
	for h := int64(1); h <= tip; h++ {
		b, err := db.BlockAt(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b.ConsensusHash)
	}
	return out
}

func TestTwoIndexersAgreeAndReorgsRewind(t *testing.T) {
	ctx := context.Background()
	c := openDevchain(t)
	a, dbA := openIndexer(t, c, rules.DevnetRules)
	tip, err := a.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.Height() != tip.Height {
		t.Fatalf("indexed to %d, tip %d", a.Height(), tip.Height)
	}
	// Reorganise 6 blocks deep; a follows, b only ever sees the winner.
	if _, err := c.Fork(ctx, tip.Height-6, 8); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	b, dbB := openIndexer(t, c, rules.DevnetRules)
	tip, err = b.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := consensusHashes(t, dbA, tip.Height), consensusHashes(t, dbB, tip.Height)
	for i := range ha {
		if ha[i] != hb[i] {
			t.Fatalf("block %d: consensus hash %s after the reorg, %s on a fresh node", i+1, ha[i], hb[i])
		}
	}
	last, _, _ := dbA.LastBlock(ctx)
	if last.Hash != tip.Hash.String() {
		t.Fatalf("indexer's last block %s, chain tip %s", last.Hash, tip.Hash)
	}
}

// TestReorgBeyondUndoDepth: blocks deeper than Config.UndoDepth below the
// tip keep no undo; a reorganisation within the depth rewinds, a deeper one
// fails clearly instead of rewinding wrong.
func TestReorgBeyondUndoDepth(t *testing.T) {
	ctx := context.Background()
	c := openDevchain(t)
	if _, err := c.Mine(ctx, 30); err != nil {
		t.Fatal(err)
	}
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := virtualchain.Config{Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1, UndoDepth: 10}
	ix, err := virtualchain.New(ctx, db, c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tip, err := ix.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fork(ctx, tip.Height-6, 8); err != nil {
		t.Fatal(err)
	}
	if tip, err = ix.Sync(ctx); err != nil {
		t.Fatalf("reorg within the undo depth: %v", err)
	}
	if ix.Height() != tip.Height {
		t.Fatalf("indexed to %d, tip %d", ix.Height(), tip.Height)
	}
	if _, err := c.Fork(ctx, tip.Height-15, 17); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Sync(ctx); !errors.Is(err, namedb.ErrBeyondUndo) {
		t.Fatalf("reorg deeper than the undo depth: %v", err)
	}
}
