package atlas_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/atlas/atlastest"
	"github.com/go-blockstack/go-blockstack/namedb"
)

// TestNameDBChain: the name database's zone file hashes are the inventory
// in chain order (seq 1 is bit 0), and its blocks give the consensus
// hashes, also after a rewind.
func TestNameDBChain(t *testing.T) {
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := atlas.NameDB(db)
	if tip, err := c.Tip(ctx); err != nil || tip.Height != -1 {
		t.Fatalf("empty database: tip %+v, %v", tip, err)
	}
	hashes := atlastest.Hashes(atlastest.Zonefiles(0, 7))
	for height := int64(1); height <= 3; height++ {
		tx, err := db.Begin(ctx, height)
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range hashes[(height-1)*3 : min(int(height)*3, len(hashes))] {
			if err := tx.AddZonefileHash(namedb.ZonefileHash{Vtxindex: i, Txid: fmt.Sprint(height, i), Name: "n.id", Hash: h.String()}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(namedb.Block{Height: height, Hash: fmt.Sprintf("%064x", height), ConsensusHash: fmt.Sprintf("c%d", height), OpsHash: "00"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Inventory(ctx, 2, 4)
	if err != nil || len(got) != 4 || got[0] != hashes[2] || got[3] != hashes[5] {
		t.Fatalf("Inventory(2, 4) = %v, %v; want hashes 2..5", got, err)
	}
	if got, err := c.Inventory(ctx, 6, 10); err != nil || len(got) != 1 || got[0] != hashes[6] {
		t.Fatalf("Inventory(6, 10) = %v, %v", got, err)
	}
	if tip, err := c.Tip(ctx); err != nil || tip != (atlas.BlockID{Height: 3, Consensus: "c3"}) {
		t.Fatalf("tip %+v, %v", tip, err)
	}
	if ch, err := c.ConsensusAt(ctx, 2); err != nil || ch != "c2" {
		t.Fatalf("ConsensusAt(2) = %q, %v", ch, err)
	}
	if named, err := c.Named(ctx, hashes[4]); err != nil || !named {
		t.Fatalf("Named: %v, %v", named, err)
	}
	if err := db.Rewind(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConsensusAt(ctx, 2); !errors.Is(err, atlas.ErrUnknownBlock) {
		t.Fatalf("ConsensusAt(2) after rewinding to 1: %v", err)
	}
	if got, err := c.Inventory(ctx, 0, 10); err != nil || len(got) != 3 {
		t.Fatalf("inventory after the rewind: %d hashes, %v; want 3", len(got), err)
	}
	if named, err := c.Named(ctx, hashes[4]); err != nil || named {
		t.Fatalf("a rewound hash is still named: %v, %v", named, err)
	}
}
