package virtualchain_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

// stateDump is every name, namespace and zone file hash of a database, in
// a canonical order: equal dumps are equal state.
func stateDump(t *testing.T, db *namedb.DB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for off := 0; ; off += 100 {
		names, err := db.Names(ctx, "", off, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			rec, err := db.Name(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			enc.Encode(rec)
		}
		if len(names) < 100 {
			break
		}
	}
	ids, err := db.Namespaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		ns, _ := db.Namespace(ctx, id)
		enc.Encode(ns)
	}
	zfs, err := db.ZonefileHashes(ctx, 1, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	enc.Encode(zfs)
	return b.String()
}

// TestDeterminism: one chain with operations of every kind, indexed three
// ways — as it grew, from scratch afterwards, and from a snapshot taken
// half-way and verified against that block's consensus hash — gives the
// same consensus hash at every height and byte-identical state.
func TestDeterminism(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.openNamespace("determinism")
	w.registerName(w.alice, "alice.determinism", zonefile("a1"))
	w.registerName(w.bob, "bob.determinism", zonefile("b1"))
	w.update(w.alice, "alice.determinism", zonefile("a2"))
	w.mine()

	snap := filepath.Join(t.TempDir(), "half.db")
	half, err := virtualchain.ExportSnapshot(ctx, w.db, snap)
	if err != nil {
		t.Fatal(err)
	}

	w.transfer(w.alice, "alice.determinism", w.carol, true)
	w.revoke(w.bob, "bob.determinism")
	w.mine()
	w.renew(w.carol, "alice.determinism", w.carol, zonefile("a3"), price("alice.determinism"))
	w.registerName(w.alice, "x.determinism", bns.Hash160{})
	tip := w.mineN(3)

	cfg := virtualchain.Config{Network: &bns.DevNet, Rules: scenarioRules, FirstBlock: 1}
	fresh, freshDB := openIndexer(t, w.chain, scenarioRules)
	if _, err := fresh.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "names.db")
	if _, err := virtualchain.ImportSnapshot(ctx, snap, dst, cfg, virtualchain.Trusted{Height: half.Height, ConsensusHash: half.ConsensusHash}); err != nil {
		t.Fatal(err)
	}
	snapDB, err := namedb.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer snapDB.Close()
	fromSnap, err := virtualchain.New(ctx, snapDB, w.chain, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fromSnap.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	grown, scratch, snapped := consensusHashes(t, w.db, tip), consensusHashes(t, freshDB, tip), consensusHashes(t, snapDB, tip)
	for i := range grown {
		if grown[i] != scratch[i] || grown[i] != snapped[i] {
			t.Fatalf("block %d: consensus hash %s as it grew, %s from scratch, %s from the snapshot", i+1, grown[i], scratch[i], snapped[i])
		}
	}
	a, b, c := stateDump(t, w.db), stateDump(t, freshDB), stateDump(t, snapDB)
	if a != b || a != c {
		t.Fatalf("state differs:\ngrown:\n%s\nscratch:\n%s\nsnapshot:\n%s", a, b, c)
	}
	if !strings.Contains(a, `"name":"alice.determinism"`) || !strings.Contains(a, `"revoked":true`) {
		t.Fatalf("the chain's operations are not in the state:\n%s", a)
	}
}
