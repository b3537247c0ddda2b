package bnsgen_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/bnsgen"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

// smallConfig exercises every path in a few seconds: devnet rules (a
// 50-block grace period) with a version-2 namespace whose fees go to its
// creator for 100 blocks only, and a short-lived namespace whose names
// expire, are renewed in their grace period and are released and
// registered again.
func smallConfig() bnsgen.Config {
	r := rules.DevnetRules
	r.PayToCreatorBlocks = 100
	return bnsgen.Config{Blocks: 300, Ops: 4000, Invalid: 0.1, Seed: 7, Rules: r, Filler: 2}
}

func generate(t testing.TB, cfg bnsgen.Config, opt bnsgen.Options) (*bnsgen.Chain, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chain")
	if _, err := bnsgen.Generate(context.Background(), cfg, path, opt); err != nil {
		t.Fatal(err)
	}
	c, err := bnsgen.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, path
}

func openDB(t testing.TB) *namedb.DB {
	t.Helper()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestIndexGeneratedChain is the generator's guard: indexing the chain
// must accept exactly the operations it meant to be valid and reject the
// others, block by block, with the consensus hashes it predicted; and the
// chain must hold every kind of operation and every rejection it claims.
func TestIndexGeneratedChain(t *testing.T) {
	c, _ := generate(t, smallConfig(), bnsgen.Options{})
	meta := c.Meta()
	st, err := bnsgen.Index(context.Background(), c, openDB(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mismatches > 0 {
		t.Fatalf("%d blocks differ from the generator's record; first: %s", st.Mismatches, st.First)
	}
	if st.Blocks != meta.Tip || st.Accepted != meta.Valid || st.Rejected != meta.Invalid {
		t.Fatalf("indexed %d blocks, %d accepted, %d rejected; generated %d blocks, %d valid, %d invalid",
			st.Blocks, st.Accepted, st.Rejected, meta.Tip, meta.Valid, meta.Invalid)
	}
	cfg := smallConfig()
	if d := meta.Valid - cfg.Ops; d < -10 || d > 0 {
		t.Errorf("%d valid operations, asked for %d", meta.Valid, cfg.Ops)
	}
	if want := float64(cfg.Ops) * cfg.Invalid / (1 - cfg.Invalid); float64(meta.Invalid) < want*0.9 || float64(meta.Invalid) > want*1.1 {
		t.Errorf("%d invalid operations, want about %.0f", meta.Invalid, want)
	}
	for _, k := range []string{"NAME_PREORDER", "NAME_REGISTRATION", "NAME_RENEWAL", "NAME_UPDATE", "NAME_TRANSFER",
		"NAME_REVOKE", "NAME_IMPORT", "NAMESPACE_PREORDER", "NAMESPACE_REVEAL", "NAMESPACE_READY",
		"invalid:register-no-preorder", "invalid:update-not-owner", "invalid:bad-payload", "invalid:transfer-stale-consensus",
		"invalid:revoke-not-owner", "invalid:register-taken", "invalid:register-low-fee", "invalid:collision",
		"invalid:preorder-stale-consensus", "invalid:update-revoked", "invalid:import-after-ready", "invalid:announce"} {
		if meta.ByKind[k] == 0 {
			t.Errorf("no %s in the chain (%v)", k, meta.ByKind)
		}
	}
	for _, e := range []string{"reregistration", "renewal-in-grace", "released", "reimport", "old-style-registration",
		"name-only-renewal", "renewal-new-owner", "fee-to-creator", "fee-to-burn-after-creator-period"} {
		if meta.Events[e] == 0 {
			t.Errorf("no %s in the chain (%v)", e, meta.Events)
		}
	}
	t.Logf("%d valid, %d invalid operations in %d blocks; kinds %v; events %v", meta.Valid, meta.Invalid, meta.Tip, meta.ByKind, meta.Events)
}

// TestModelSerialization: the generator's copy of the operations'
// serialization gives the indexer's operations hash at every block.
func TestModelSerialization(t *testing.T) {
	cfg := bnsgen.Config{Blocks: 120, Ops: 1500, Invalid: 0.1, Seed: 11, Rules: rules.DevnetRules}
	c, _ := generate(t, cfg, bnsgen.Options{})
	if n := c.Meta().ModelMismatches; n > 0 {
		t.Fatalf("the generator's operations hash differs from the indexer's at %d blocks: update the fields gen.go passes to valid() to virtualchain's serialization", n)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func TestDeterministic(t *testing.T) {
	cfg := bnsgen.Config{Blocks: 60, Ops: 600, Invalid: 0.05, Seed: 5}
	_, p1 := generate(t, cfg, bnsgen.Options{})
	_, p2 := generate(t, cfg, bnsgen.Options{})
	if fileHash(t, p1) != fileHash(t, p2) {
		t.Fatal("the same config gave two different chains")
	}
	cfg.Seed++
	_, p3 := generate(t, cfg, bnsgen.Options{})
	if fileHash(t, p1) == fileHash(t, p3) {
		t.Fatal("another seed gave the same chain")
	}
}

// TestBackend checks the chain.Backend over the file.
func TestBackend(t *testing.T) {
	c, _ := generate(t, bnsgen.Config{Blocks: 50, Ops: 500, Seed: 2, Filler: 3}, bnsgen.Options{})
	ctx := context.Background()
	tip, err := c.Tip(ctx)
	if err != nil || tip.Height != 50 {
		t.Fatalf("tip %v, %v", tip, err)
	}
	var prev chainhash.Hash
	txs := 0
	for h := int64(0); h <= tip.Height; h++ {
		b, err := c.BlockByHeight(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if b.Header.BlockHash() != b.Hash || (h > 0 && b.Header.PrevBlock != prev) {
			t.Fatalf("block %d: hash or parent wrong", h)
		}
		if bh, _ := c.BlockHash(ctx, h); bh != b.Hash {
			t.Fatalf("block %d: BlockHash %s, block %s", h, bh, b.Hash)
		}
		if byHash, err := c.BlockByHash(ctx, b.Hash); err != nil || byHash.Height != h {
			t.Fatalf("block %d by hash: %v", h, err)
		}
		prev = b.Hash
		for _, tx := range b.Txs {
			got, err := c.Transaction(ctx, tx.TxHash())
			if err != nil {
				t.Fatalf("block %d: %v", h, err)
			}
			var x, y bytes.Buffer
			tx.Serialize(&x)
			got.Serialize(&y)
			if !bytes.Equal(x.Bytes(), y.Bytes()) {
				t.Fatalf("block %d: transaction %s differs", h, tx.TxHash())
			}
			txs++
		}
	}
	if txs != c.Meta().Transactions {
		t.Fatalf("%d transactions in blocks, meta says %d", txs, c.Meta().Transactions)
	}
	if _, err := c.Transaction(ctx, chainhash.Hash{1}); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("unknown transaction: %v", err)
	}
	if _, err := c.BlockByHeight(ctx, tip.Height+1); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("block above the tip: %v", err)
	}
}
