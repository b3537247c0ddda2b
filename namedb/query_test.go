package namedb_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
)

func TestRecentBlocks(t *testing.T) {
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	// Blocks 1–10; 3 and 7 carry accepted operations, 8 a rejected one.
	for h := int64(1); h <= 10; h++ {
		tx, err := db.Begin(ctx, h)
		must(t, err)
		b := namedb.Block{Height: h, Hash: "hash", ConsensusHash: "ch", OpsHash: "ops"}
		switch h {
		case 3, 7:
			b.Accepted = 2
		case 8:
			b.Rejected = 1
		}
		must(t, tx.Commit(b, nil))
	}
	cases := []struct {
		before  int64
		limit   int
		withOps bool
		want    []int64
	}{
		{11, 3, false, []int64{10, 9, 8}},
		{11, 10, true, []int64{8, 7, 3}},
		{8, 10, true, []int64{7, 3}},
		{3, 10, true, nil},
		{2, 10, false, []int64{1}},
		{11, 0, false, nil},
	}
	for _, tc := range cases {
		blocks, err := db.RecentBlocks(ctx, tc.before, tc.limit, tc.withOps)
		must(t, err)
		var got []int64
		for _, b := range blocks {
			got = append(got, b.Height)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("RecentBlocks(%d, %d, %v) = %v, want %v", tc.before, tc.limit, tc.withOps, got, tc.want)
		}
	}
	blocks, err := db.RecentBlocks(ctx, 4, 1, true)
	must(t, err)
	if len(blocks) != 1 || blocks[0] != (namedb.Block{Height: 3, Hash: "hash", ConsensusHash: "ch", OpsHash: "ops", StateRoot: strings.Repeat("0", 64), Accepted: 2}) {
		t.Fatalf("block 3 read back as %+v", blocks)
	}
}
