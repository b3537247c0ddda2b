package spv_test

import (
	"context"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
	"github.com/go-blockstack/go-blockstack/client/spv"
	"github.com/go-blockstack/go-blockstack/internal/btcdtest"
)

// followAndProve syncs a header chain from b, checks it ends at b's tip,
// and proves every transaction of the last blocks against it.
func followAndProve(t *testing.T, ctx context.Context, b chain.Backend) *spv.Chain {
	t.Helper()
	c := spv.New(b.Params())
	if err := c.Sync(ctx, spv.FromBackend(b)); err != nil {
		t.Fatal(err)
	}
	tip, err := b.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h, hash := c.Tip(); h != tip.Height || hash != tip.Hash {
		t.Fatalf("header chain at %d %s, the node at %d %s", h, hash, tip.Height, tip.Hash)
	}
	for height := max(tip.Height-3, 1); height <= tip.Height; height++ {
		blk, err := b.BlockByHeight(ctx, height)
		if err != nil {
			t.Fatal(err)
		}
		hdr, _ := c.Header(height)
		for i, tx := range blk.Txs {
			p, err := spv.ProveTx(&wire.MsgBlock{Header: blk.Header, Transactions: blk.Txs}, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.VerifyTx(&hdr, tx); err != nil {
				t.Fatalf("block %d tx %d: %v", height, i, err)
			}
		}
	}
	return c
}

// TestDevchain: the header chain of a devnet's chain, its transactions
// proved against it, and a reorganisation (a longer branch mined beside
// the tip) followed.
func TestDevchain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dc, err := devchain.Open(devchain.Config{DataDir: t.TempDir(), NoSync: true, CoinbaseMaturity: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	addr, _ := btcutil.DecodeAddress("mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", &chaincfg.RegressionNetParams)
	for range 3 {
		if _, err := dc.Faucet(ctx, addr, 100_000); err != nil {
			t.Fatal(err)
		}
		if _, err := dc.Mine(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	c := followAndProve(t, ctx, dc)
	old, _ := c.Tip()
	// Two blocks on the tip's parent: a longer branch; the devchain moves
	// to it and so must the header chain.
	parent, _ := c.Hash(old - 1)
	h1, err := dc.MineBlock(ctx, parent, nil, []byte("fork 1"))
	if err != nil {
		t.Fatal(err)
	}
	h2, err := dc.MineBlock(ctx, h1, nil, []byte("fork 2"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, spv.FromBackend(dc)); err != nil {
		t.Fatal(err)
	}
	if tip, hash := c.Tip(); tip != old+1 || hash != h2 {
		t.Fatalf("after the fork: %d %s, want %d %s", tip, hash, old+1, h2)
	}
}

// TestBtcd: the same against a real btcd (regtest), whose blocks btcd
// mined and checked.
func TestBtcd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n := btcdtest.Start(t, btcdtest.Options{})
	b, err := rpc.New(rpc.Config{Host: n.RPCHost, User: n.User, Pass: n.Pass, Params: n.Params, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Mine(ctx, 20); err != nil {
		t.Fatal(err)
	}
	followAndProve(t, ctx, b)
}
