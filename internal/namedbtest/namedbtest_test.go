package namedbtest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/client/snv"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

// TestBlocksVerify: a database built with Block serves, through the real
// API, blocks that SNV walks and records that their state proofs prove,
// against the last block's consensus hash.
func TestBlocksVerify(t *testing.T) {
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var last namedb.Block
	for h := int64(1); h <= 40; h++ {
		name := fmt.Sprintf("n%d.test", h)
		op := consensus.SerializeOp(':', "script", fmt.Sprintf("%064x", h), "0", name)
		last, err = Block(ctx, db, h, 1, []string{op}, func(tx *namedb.Tx) error {
			if h == 1 {
				if err := tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "test", Ready: true, ReadyBlock: 1, Lifetime: 1000}); err != nil {
					return err
				}
			}
			return tx.PutName(&namedb.NameRecord{Name: name, NamespaceID: "test", Address: "mkOwner", ExpireBlock: 1000, BlockNumber: h})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(api.Config{DB: db, Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1}))
	defer srv.Close()
	node, err := apiclient.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	anchor := snv.Anchor{Height: last.Height, ConsensusHash: last.ConsensusHash}
	b, err := snv.Verify(ctx, node, anchor, 3, 1)
	if err != nil || len(b.Operations) != 1 {
		t.Fatalf("SNV of block 3: %+v %v", b, err)
	}
	r, err := snv.VerifyRecord(ctx, node, anchor, "n7.test", 1)
	if err != nil || r.Name == nil || r.Name.Address != "mkOwner" {
		t.Fatalf("n7.test's record: %+v %v", r, err)
	}
}
