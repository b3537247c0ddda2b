package virtualchain_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

// stopOnRead is a backend during whose transaction look-ups the caller
// is stopped, as a SIGTERM may come at any moment.
type stopOnRead struct {
	chain.Backend
	stop context.CancelFunc
}

func (b stopOnRead) Transaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	b.stop()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return b.Backend.Transaction(ctx, txid)
}

// TestStopFinishesTheBlock: a stop that comes while the indexer reads a
// block's senders from the backend lets that block finish, and Flush
// commits it with the block before it in the batch.
func TestStopFinishesTheBlock(t *testing.T) {
	w := newWorld(t)
	empty := w.mine()
	w.preorderNamespace(w.creator, "stop", w.revealer, 10_000)
	op := w.mine()

	// An indexer from the empty block has not seen the output the
	// operation spends: it asks the backend for it.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ix, err := virtualchain.New(context.Background(), db, stopOnRead{w.chain, stop},
		virtualchain.Config{Network: &bns.DevNet, Rules: scenarioRules, FirstBlock: empty})
	if err != nil {
		t.Fatal(err)
	}
	for h := empty; h <= op; h++ {
		blk, err := w.chain.BlockByHeight(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Connect(ctx, blk); err != nil {
			t.Fatalf("block %d, stopped while it is applied: %v", h, err)
		}
	}
	if ctx.Err() == nil {
		t.Fatal("the indexer never read from the backend: the test stopped nothing")
	}
	if err := ix.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	last, ok, err := db.LastBlock(context.Background())
	if err != nil || !ok || last.Height != op {
		t.Fatalf("last committed block %d (%v, %v), want %d", last.Height, ok, err, op)
	}
}
