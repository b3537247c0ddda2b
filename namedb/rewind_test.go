package namedb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

// block applies one block's changes in a transaction and commits it.
func block(t *testing.T, db *namedb.DB, height int64, change func(tx *namedb.Tx)) {
	t.Helper()
	tx, err := db.Begin(context.Background(), height)
	if err != nil {
		t.Fatal(err)
	}
	change(tx)
	if err := tx.Commit(namedb.Block{Height: height, Hash: "hash", ConsensusHash: "ch", OpsHash: "ops"}, nil); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// history records an accepted operation on subject with rec as its result.
func history(t *testing.T, tx *namedb.Tx, vtx int, op, subject string, rec any) {
	t.Helper()
	raw, err := json.Marshal(rec)
	must(t, err)
	must(t, tx.AddHistory(namedb.HistoryEntry{Block: tx.Height(), Vtxindex: vtx, Txid: op + subject, Op: op,
		Subject: subject, Accepted: true, Record: raw}))
}

func TestRewindRestoresPreviousRecord(t *testing.T) {
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })

	registered := &namedb.NameRecord{Name: "alice.id", NamespaceID: "id", Address: "addrA", Sender: "76a9aa",
		ValueHash: "v1", FirstRegistered: 1, LastRenewed: 1, ExpireBlock: 100, Op: "NAME_REGISTRATION", BlockNumber: 1}
	doomed := &namedb.NameRecord{Name: "doomed.id", NamespaceID: "id", Address: "addrA", ExpireBlock: 100, Op: "NAME_IMPORT", BlockNumber: 1}
	preorder := &namedb.Preorder{PreorderHash: "p1", Address: "addrC", Burn: 100, Block: 1}
	block(t, db, 1, func(tx *namedb.Tx) {
		must(t, tx.PutName(registered))
		must(t, tx.PutName(doomed))
		must(t, tx.PutPreorder(preorder))
		history(t, tx, 1, "NAME_REGISTRATION", "alice.id", registered)
		must(t, tx.AddZonefileHash(namedb.ZonefileHash{Vtxindex: 1, Txid: "t1", Name: "alice.id", Hash: "v1"}))
	})

	// Block 2 transfers alice.id and clears its zone file, registers
	// bob.id from the preorder, and deletes doomed.id; block 3 renews
	// alice.id again.
	transferred := *registered
	transferred.Address, transferred.Sender, transferred.ValueHash, transferred.Op, transferred.BlockNumber = "addrB", "76a9bb", "", "NAME_TRANSFER", 2
	bob := &namedb.NameRecord{Name: "bob.id", NamespaceID: "id", Address: "addrC", ValueHash: "b1", ExpireBlock: 102, Op: "NAME_REGISTRATION", BlockNumber: 2}
	block(t, db, 2, func(tx *namedb.Tx) {
		must(t, tx.PutName(&transferred))
		must(t, tx.DeletePreorder("p1"))
		must(t, tx.PutName(bob))
		must(t, tx.DeleteName("doomed.id"))
		history(t, tx, 1, "NAME_TRANSFER", "alice.id", &transferred)
		history(t, tx, 2, "NAME_REGISTRATION", "bob.id", bob)
		must(t, tx.AddZonefileHash(namedb.ZonefileHash{Vtxindex: 2, Txid: "t2", Name: "bob.id", Hash: "b1"}))
	})
	renewed := transferred
	renewed.Address, renewed.LastRenewed, renewed.ExpireBlock, renewed.Op, renewed.BlockNumber = "addrD", 3, 103, "NAME_RENEWAL", 3
	block(t, db, 3, func(tx *namedb.Tx) {
		must(t, tx.PutName(&renewed))
		history(t, tx, 1, "NAME_RENEWAL", "alice.id", &renewed)
	})
	if got, _ := db.Name(ctx, "alice.id"); got == nil || got.Address != "addrD" {
		t.Fatalf("before the rewind: %+v", got)
	}

	must(t, db.Rewind(ctx, 1))

	got, err := db.Name(ctx, "alice.id")
	must(t, err)
	if !reflect.DeepEqual(got, registered) {
		t.Fatalf("after the rewind alice.id is %+v, want %+v", got, registered)
	}
	if got, err := db.Name(ctx, "doomed.id"); err != nil || !reflect.DeepEqual(got, doomed) {
		t.Fatalf("deleted name after the rewind: %+v, %v", got, err)
	}
	if _, err := db.Name(ctx, "bob.id"); !errors.Is(err, namedb.ErrNotFound) {
		t.Fatalf("bob.id after the rewind: %v", err)
	}
	// The owner indexes follow the restored rows.
	for addr, want := range map[string][]string{"addrA": {"alice.id", "doomed.id"}, "addrB": {}, "addrC": {}, "addrD": {}} {
		if names, err := db.NamesOf(ctx, addr); err != nil || !slices.Equal(names, want) {
			t.Errorf("NamesOf(%s) = %v, %v; want %v", addr, names, err, want)
		}
	}
	if at, err := db.NameAt(ctx, "alice.id", 3); err != nil || at.Address != "addrA" {
		t.Errorf("NameAt(alice.id, 3) after the rewind: %+v, %v", at, err)
	}
	if hist, err := db.History(ctx, "alice.id"); err != nil || len(hist) != 1 || hist[0].Block != 1 {
		t.Errorf("history after the rewind: %+v, %v", hist, err)
	}
	if zs, err := db.ZonefileHashes(ctx, 1, 10); err != nil || len(zs) != 1 || zs[0].Txid != "t1" {
		t.Errorf("zone file hashes after the rewind: %+v, %v", zs, err)
	}
	if last, ok, err := db.LastBlock(ctx); err != nil || !ok || last.Height != 1 {
		t.Errorf("last block after the rewind: %+v, %v, %v", last, ok, err)
	}
	if _, err := db.BlockAt(ctx, 2); !errors.Is(err, namedb.ErrNotFound) {
		t.Errorf("block 2 after the rewind: %v", err)
	}

	// The consumed preorder is pending again, and block 2 can be applied
	// anew.
	tx, err := db.Begin(ctx, 2)
	must(t, err)
	defer tx.Rollback()
	if p, err := tx.Preorder("p1"); err != nil || !reflect.DeepEqual(p, preorder) {
		t.Fatalf("preorder after the rewind: %+v, %v", p, err)
	}
	counts := func(revoked bool, expireBlock int64) bool {
		return rules.Rules{}.CountsTowardQuota(revoked, expireBlock, 2)
	}
	if n, err := tx.NamesOwned("addrA", counts); err != nil || n != 2 {
		t.Fatalf("NamesOwned(addrA) = %d, %v", n, err)
	}
}

// TestUndoHorizon: blocks below the horizon keep no undo, and undo that
// falls below it is pruned; Rewind refuses to go below the lowest block
// that kept one, except back to an empty database.
func TestUndoHorizon(t *testing.T) {
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	put := func(from int64, heights ...int64) {
		tx, err := db.Begin(ctx, heights[0])
		must(t, err)
		tx.KeepUndoFrom(from)
		for _, h := range heights {
			must(t, tx.PutName(&namedb.NameRecord{Name: "alice.id", NamespaceID: "id", Address: "addr", BlockNumber: h}))
			history(t, tx, 1, "NAME_UPDATE", "alice.id", h)
			must(t, tx.EndBlock(namedb.Block{Height: h, Hash: "hash", ConsensusHash: "ch", OpsHash: "ops"}, nil))
		}
		must(t, tx.Finish())
	}
	put(4, 1, 2, 3, 4, 5) // blocks 1–3 keep no undo
	if err := db.Rewind(ctx, 2); !errors.Is(err, namedb.ErrBeyondUndo) {
		t.Fatalf("rewind below the horizon: %v", err)
	}
	must(t, db.Rewind(ctx, 4))
	if r, err := db.Name(ctx, "alice.id"); err != nil || r.BlockNumber != 4 {
		t.Fatalf("after the rewind to 4: %+v, %v", r, err)
	}
	put(6, 5, 6, 7) // the horizon moves up: block 5's undo is pruned
	if err := db.Rewind(ctx, 4); !errors.Is(err, namedb.ErrBeyondUndo) {
		t.Fatalf("rewind below the moved horizon: %v", err)
	}
	must(t, db.Rewind(ctx, 5))
	if r, err := db.Name(ctx, "alice.id"); err != nil || r.BlockNumber != 5 {
		t.Fatalf("after the rewind to 5: %+v, %v", r, err)
	}
	// Back to before the first block needs no undo: the database empties.
	must(t, db.Rewind(ctx, 0))
	if _, ok, err := db.LastBlock(ctx); err != nil || ok {
		t.Fatalf("last block after the rewind to 0: %v, %v", ok, err)
	}
	if _, err := db.Name(ctx, "alice.id"); !errors.Is(err, namedb.ErrNotFound) {
		t.Fatalf("name after the rewind to 0: %v", err)
	}
	if h, err := db.History(ctx, "alice.id"); err != nil || len(h) != 0 {
		t.Fatalf("history after the rewind to 0: %v, %v", h, err)
	}
	put(1, 1, 2)
	must(t, db.Rewind(ctx, 1))
}

// TestDeferredQueryIndexes: the queries answer the same without the query
// indexes, and Build (or the next Open) makes them again.
func TestDeferredQueryIndexes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "names.db")
	db, err := namedb.Open(path)
	must(t, err)
	must(t, db.DeferQueryIndexes(ctx))
	block(t, db, 1, func(tx *namedb.Tx) {
		must(t, tx.PutName(&namedb.NameRecord{Name: "alice.id", NamespaceID: "id", Address: "addrA"}))
		history(t, tx, 1, "NAME_REGISTRATION", "alice.id", 1)
		must(t, tx.AddZonefileHash(namedb.ZonefileHash{Vtxindex: 1, Txid: "t1", Name: "alice.id", Hash: "v1"}))
	})
	check := func() {
		t.Helper()
		if names, err := db.NamesOf(ctx, "addrA"); err != nil || !slices.Equal(names, []string{"alice.id"}) {
			t.Errorf("NamesOf: %v, %v", names, err)
		}
		if h, err := db.TxHistory(ctx, "NAME_REGISTRATIONalice.id"); err != nil || len(h) != 1 {
			t.Errorf("TxHistory: %v, %v", h, err)
		}
		if ok, err := db.ZonefileNamed(ctx, "v1"); err != nil || !ok {
			t.Errorf("ZonefileNamed: %v, %v", ok, err)
		}
	}
	indexes := func() int {
		t.Helper()
		raw, err := sql.Open("sqlite", path)
		must(t, err)
		defer raw.Close()
		var n int
		must(t, raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'`).Scan(&n))
		return n
	}
	check()
	if n := indexes(); n != 1 { // zonefile_hashes_by_block stays
		t.Fatalf("%d indexes while deferred", n)
	}
	must(t, db.BuildQueryIndexes(ctx))
	check()
	all := indexes()
	must(t, db.DeferQueryIndexes(ctx))
	must(t, db.Close())
	db, err = namedb.Open(path)
	must(t, err)
	defer db.Close()
	if n := indexes(); n != all || n < 6 {
		t.Fatalf("%d indexes after reopening, want %d", n, all)
	}
	check()
}
