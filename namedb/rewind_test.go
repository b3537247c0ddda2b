package namedb_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
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
	if n, err := tx.NamesOwned("addrA", 0); err != nil || n != 2 {
		t.Fatalf("NamesOwned(addrA) = %d, %v", n, err)
	}
}
