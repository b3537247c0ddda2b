package virtualchain_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

var snapCfg = virtualchain.Config{Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1}

// snapshotOf indexes b, exports a snapshot and returns its path and tip.
func snapshotOf(t *testing.T, b chain.Backend) (string, namedb.Block) {
	t.Helper()
	ctx := context.Background()
	ix, db := openIndexer(t, b, rules.DevnetRules)
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "snap.db")
	tip, err := virtualchain.ExportSnapshot(ctx, db, path)
	if err != nil {
		t.Fatal(err)
	}
	return path, tip
}

// TestSnapshotBootstrapAgrees: a node imported from a snapshot, verified
// against a trusted consensus hash, goes on indexing and agrees with a node
// that indexed from the first block, at every height.
func TestSnapshotBootstrapAgrees(t *testing.T) {
	ctx := context.Background()
	c := openDevchain(t)
	path, tip := snapshotOf(t, c)
	if _, err := c.Mine(ctx, 30); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "names.db")
	last, err := virtualchain.ImportSnapshot(ctx, path, dst, snapCfg, virtualchain.Trusted{Height: tip.Height, ConsensusHash: tip.ConsensusHash})
	if err != nil {
		t.Fatal(err)
	}
	if last != tip {
		t.Fatalf("imported tip %+v, exported %+v", last, tip)
	}
	db, err := namedb.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ix, err := virtualchain.New(ctx, db, c, snapCfg)
	if err != nil {
		t.Fatal(err)
	}
	now, err := ix.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	full, fullDB := openIndexer(t, c, rules.DevnetRules)
	if _, err := full.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	a, b := consensusHashes(t, db, now.Height), consensusHashes(t, fullDB, now.Height)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("block %d: %s from the snapshot, %s from genesis", i+1, a[i], b[i])
		}
	}
}

func TestSnapshotRejections(t *testing.T) {
	ctx := context.Background()
	c := openDevchain(t)
	path, tip := snapshotOf(t, c)
	trusted := virtualchain.Trusted{Height: tip.Height, ConsensusHash: tip.ConsensusHash}

	// Tamper with one block's recorded consensus hash in a copy.
	tampered := filepath.Join(t.TempDir(), "tampered.db")
	src, err := namedb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Export(ctx, tampered); err != nil {
		t.Fatal(err)
	}
	src.Close()
	raw, err := sql.Open("sqlite", tampered)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE blocks SET consensus_hash = '00000000000000000000000000000000' WHERE height = 50`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	otherNet := snapCfg
	otherNet.Network = &bns.MainNet
	cases := []struct {
		name    string
		src     string
		cfg     virtualchain.Config
		trusted virtualchain.Trusted
		want    error
	}{
		{"wrong trusted hash", path, snapCfg, virtualchain.Trusted{Height: tip.Height, ConsensusHash: "ffffffffffffffffffffffffffffffff"}, virtualchain.ErrUntrusted},
		{"trusted height beyond the snapshot", path, snapCfg, virtualchain.Trusted{Height: tip.Height + 5, ConsensusHash: tip.ConsensusHash}, virtualchain.ErrUntrusted},
		{"tampered block", tampered, snapCfg, trusted, nil},
		{"other network", path, otherNet, trusted, nil},
		{"not a database", filepath.Join(t.TempDir(), "missing.db"), snapCfg, trusted, nil},
	}
	for _, tc := range cases {
		dst := filepath.Join(t.TempDir(), "names.db")
		_, err := virtualchain.ImportSnapshot(ctx, tc.src, dst, tc.cfg, tc.trusted)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: got %v, want an error (%v)", tc.name, err, tc.want)
		}
		if left, _ := filepath.Glob(dst + "*"); len(left) != 0 {
			t.Errorf("%s: a failed import left %v", tc.name, left)
		}
	}
}
