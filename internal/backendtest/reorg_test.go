package backendtest

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
	"github.com/go-blockstack/go-blockstack/internal/btcdtest"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/nameop"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/virtualchain"
	"github.com/go-blockstack/go-blockstack/wallet"
)

func newIndexer(t *testing.T, b chain.Backend) (*virtualchain.Indexer, *namedb.DB) {
	t.Helper()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ix, err := virtualchain.New(context.Background(), db, b,
		virtualchain.Config{Network: &bns.RegTest, Rules: rules.DevnetRules, FirstBlock: 1})
	if err != nil {
		t.Fatal(err)
	}
	return ix, db
}

// TestIndexerFollowsBtcdReorg: name operations confirmed on a branch that
// btcd abandons (invalidateblock, then a longer branch) are taken back and
// re-evaluated where the winner holds them, and the indexer that followed
// the reorg agrees at every height with one that only ever saw the winner.
func TestIndexerFollowsBtcdReorg(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w, err := wallet.Create(filepath.Join(t.TempDir(), "wallet.json"), wallet.CreateOptions{Network: "regtest"})
	if err != nil {
		t.Fatal(err)
	}
	payer, owner := w.PaymentKey(), w.OwnerKeys()[0]
	node := btcdtest.Start(t, btcdtest.Options{MiningAddr: payer.Address().EncodeAddress()})
	b, err := rpc.New(rpc.Config{Host: node.RPCHost, User: node.User, Pass: node.Pass, Params: node.Params})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if _, err := b.Mine(ctx, 105); err != nil {
		t.Fatal(err)
	}
	a, dbA := newIndexer(t, b)
	if _, err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sync(ctx, b); err != nil {
		t.Fatal(err)
	}

	// Two blocks with a name preorder each.
	var opBlocks []int64
	var txids []string
	for _, name := range []string{"alice.test", "bob.test"} {
		last, _, _ := dbA.LastBlock(ctx)
		ch := mustHash128(t, last.ConsensusHash)
		ph, err := bns.PreorderHash(name, payer.PkScript(), owner.Address())
		if err != nil {
			t.Fatal(err)
		}
		op := &bns.NamePreorder{PreorderHash: ph, ConsensusHash: ch, BurnAddress: bns.RegTest.BurnAddress(), Fee: 100_000}
		txid, err := nameop.Send(ctx, w, b, payer, op, &bns.RegTest, 10)
		if err != nil {
			t.Fatal(err)
		}
		txids = append(txids, txid.String())
		if _, err := b.Mine(ctx, 1); err != nil {
			t.Fatal(err)
		}
		tip, err := a.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Sync(ctx, b); err != nil {
			t.Fatal(err)
		}
		blk, _ := dbA.BlockAt(ctx, tip.Height)
		if blk.Accepted != 1 {
			hist, _ := dbA.BlockHistory(ctx, tip.Height)
			t.Fatalf("block %d: %d operations accepted, want the preorder; history %+v", tip.Height, blk.Accepted, hist)
		}
		opBlocks = append(opBlocks, tip.Height)
	}
	before, _ := dbA.BlockAt(ctx, opBlocks[0])

	// Abandon the block before the first preorder: both preorders return
	// to btcd's mempool and the new branch holds them one block earlier.
	fork := opBlocks[0] - 1
	h, err := b.BlockHash(ctx, fork)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Call(ctx, "invalidateblock", nil, h.String()); err != nil {
		t.Fatal(err)
	}
	// btcd disconnects and returns the abandoned transactions to its
	// mempool asynchronously of the call's answer: mine only once the tip
	// is the invalidated block's parent and both preorders are back, so
	// that the next block holds both. (Had they been mined one by one, the
	// first could land where its consensus hash is recent again and the
	// new branch would legitimately repeat the old one; the wallet spends
	// its oldest coinbases for the same reason: one just past maturity
	// could not be spent in the replacement block.)
	var pool []string
	if !waitfor.Poll(time.Minute, func() bool {
		tip, err := b.Tip(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Call(ctx, "getrawmempool", &pool); err != nil {
			t.Fatal(err)
		}
		return tip.Height == fork-1 && containsAll(pool, txids)
	}) {
		t.Fatalf("btcd never returned to block %d with the preorders %v in its mempool (mempool %v)", fork-1, txids, pool)
	}
	if _, err := b.Mine(ctx, 4); err != nil {
		t.Fatal(err)
	}
	tip, err := a.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fresh, dbB := newIndexer(t, b)
	if _, err := fresh.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for height := int64(1); height <= tip.Height; height++ {
		x, err := dbA.BlockAt(ctx, height)
		if err != nil {
			t.Fatal(err)
		}
		y, err := dbB.BlockAt(ctx, height)
		if err != nil {
			t.Fatal(err)
		}
		if x != y {
			t.Fatalf("block %d after the reorg: %+v; fresh node: %+v", height, x, y)
		}
	}
	after, _ := dbA.BlockAt(ctx, opBlocks[0])
	if after.Hash == before.Hash || after.ConsensusHash == before.ConsensusHash {
		t.Fatalf("block %d unchanged by the reorg: %+v", opBlocks[0], after)
	}
	// btcd mines the abandoned preorders again on the winning branch, from
	// the fork height on, where the consensus hashes they carry are no
	// longer recent (the first names the block it now sits in or a later
	// one, the second an abandoned block): the rules, re-run on the new
	// branch, reject them.
	var hist []namedb.HistoryEntry
	for h := fork; h <= tip.Height; h++ {
		e, err := dbA.BlockHistory(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		hist = append(hist, e...)
	}
	if len(hist) != 2 {
		t.Fatalf("winning branch holds %d name operations, want the 2 preorders: %+v", len(hist), hist)
	}
	for _, e := range hist {
		if e.Accepted || e.Code != rules.ErrStaleConsensusHash {
			t.Fatalf("re-mined preorder in block %d: accepted %v (%s); want a stale consensus hash rejection", e.Block, e.Accepted, e.Reason)
		}
	}
}

func containsAll(set, want []string) bool {
	have := make(map[string]bool, len(set))
	for _, s := range set {
		have[s] = true
	}
	for _, s := range want {
		if !have[s] {
			return false
		}
	}
	return true
}

func mustHash128(t *testing.T, s string) bns.Hash128 {
	t.Helper()
	var out bns.Hash128
	if n, err := hex.Decode(out[:], []byte(s)); err != nil || n != len(out) {
		t.Fatalf("consensus hash %q: %v", s, err)
	}
	return out
}
