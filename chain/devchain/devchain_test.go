package devchain_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
)

// key is a test wallet of one P2PKH key.
type key struct {
	priv *btcec.PrivateKey
	addr btcutil.Address
	pk   []byte
}

func newKey(t testing.TB, c *devchain.Chain) key {
	t.Helper()
	priv, err := btcec.NewPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	addr, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(priv.PubKey().SerializeCompressed()), c.Params())
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := txscript.PayToAddrScript(addr)
	return key{priv, addr, pk}
}

// spend builds a signed transaction spending prev's output i to outs.
func (k key) spend(t testing.TB, prev *wire.MsgTx, i uint32, outs ...*wire.TxOut) *wire.MsgTx {
	t.Helper()
	tx := wire.NewMsgTx(wire.TxVersion)
	h := prev.TxHash()
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&h, i), nil, nil))
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	sig, err := txscript.SignatureScript(tx, 0, prev.TxOut[i].PkScript, txscript.SigHashAll, k.priv, true)
	if err != nil {
		t.Fatal(err)
	}
	tx.TxIn[0].SignatureScript = sig
	return tx
}

func openChain(t testing.TB, dir string) *devchain.Chain {
	t.Helper()
	c, err := devchain.Open(devchain.Config{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fund pays amount to k through the faucet and mines it; it returns the
// funding transaction and the index of k's output.
func fund(t testing.TB, c *devchain.Chain, k key, amount int64) (*wire.MsgTx, uint32) {
	t.Helper()
	ctx := context.Background()
	txid, err := c.Faucet(ctx, k.addr, amount)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	tx, err := c.Transaction(ctx, txid)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range tx.TxOut {
		if string(o.PkScript) == string(k.pk) {
			return tx, uint32(i)
		}
	}
	t.Fatal("faucet transaction does not pay the key")
	return nil, 0
}

func TestFreshChainFundsFaucetAndPersists(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openChain(t, dir)
	tip, _ := c.Tip(ctx)
	if tip.Height != 101 {
		t.Fatalf("fresh chain tip %d, want 101 (maturity + 1)", tip.Height)
	}
	g, _ := c.BlockHash(ctx, 0)
	if g != *c.Params().GenesisHash {
		t.Fatalf("genesis %s, want regtest's", g)
	}
	k := newKey(t, c)
	fundTx, _ := fund(t, c, k, 1_000_000)

	// A pending transaction and the chain survive a restart.
	pending := k.spend(t, fundTx, 0, wire.NewTxOut(990_000, k.pk))
	if _, err := c.SendTx(ctx, pending); err != nil {
		t.Fatal(err)
	}
	tip, _ = c.Tip(ctx)
	c.Close()
	c = openChain(t, dir)
	again, _ := c.Tip(ctx)
	if again != tip {
		t.Fatalf("tip after restart %v, want %v", again, tip)
	}
	if mp := c.Mempool(); len(mp) != 1 || mp[0].TxHash() != pending.TxHash() {
		t.Fatalf("mempool after restart holds %d transactions, want the pending one", len(mp))
	}
	hashes, err := c.Mine(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := c.BlockByHash(ctx, hashes[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(blk.Txs) != 2 || blk.Txs[1].TxHash() != pending.TxHash() || blk.Height != tip.Height+1 {
		t.Fatalf("mined block %d holds %d txs, want coinbase + pending", blk.Height, len(blk.Txs))
	}
}

func TestRejections(t *testing.T) {
	ctx := context.Background()
	c := openChain(t, t.TempDir())
	k, other := newKey(t, c), newKey(t, c)
	fundTx, i := fund(t, c, k, 1_000_000)

	good := k.spend(t, fundTx, i, wire.NewTxOut(900_000, other.pk))
	tampered := k.spend(t, fundTx, i, wire.NewTxOut(900_000, other.pk))
	tampered.TxOut[0].Value = 800_000 // the signature no longer covers it
	wrongKey := other.spend(t, fundTx, i, wire.NewTxOut(900_000, other.pk))
	unknown := k.spend(t, fundTx, i, wire.NewTxOut(900_000, other.pk))
	unknown.TxIn[0].PreviousOutPoint.Hash = chainhash.Hash{1}
	tooMuch := k.spend(t, fundTx, i, wire.NewTxOut(2_000_000, other.pk))

	spent := wire.OutPoint{Hash: fundTx.TxHash(), Index: i}
	// Each refusal names the transaction, the rule and the input at fault.
	cases := []struct {
		name string
		tx   *wire.MsgTx
		want error
		msg  string
	}{
		{"tampered signature", tampered, devchain.ErrBadScript, "script verification failed: input 0 (" + spent.String() + "): "},
		{"signed by the wrong key", wrongKey, devchain.ErrBadScript, "script verification failed: input 0 (" + spent.String() + "): "},
		{"unknown input", unknown, devchain.ErrUnknownInput, "unknown input: input 0: output " + unknown.TxIn[0].PreviousOutPoint.String() + " does not exist"},
		{"outputs exceed inputs", tooMuch, devchain.ErrBadValue, "outputs (2000000 sat) exceed inputs (1000000 sat)"},
	}
	for _, tc := range cases {
		_, err := c.SendTx(ctx, tc.tx)
		if !errors.Is(err, tc.want) || !errors.Is(err, chain.ErrRejected) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "tx "+tc.tx.TxHash().String()+" rejected: ") || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: message %q, want it to name the tx and say %q", tc.name, msg, tc.msg)
		}
	}
	if _, err := c.SendTx(ctx, good); err != nil {
		t.Fatal(err)
	}
	// Double spend against the mempool, then against the chain.
	double := k.spend(t, fundTx, i, wire.NewTxOut(800_000, k.pk))
	_, err := c.SendTx(ctx, double)
	if !errors.Is(err, devchain.ErrDoubleSpend) {
		t.Fatalf("double spend in mempool: got %v", err)
	}
	if want := "double spend: input 0: output " + spent.String() + " is already spent by mempool transaction " + good.TxHash().String(); !strings.Contains(err.Error(), want) {
		t.Errorf("double spend in mempool: %q, want it to say %q", err, want)
	}
	if _, err := c.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendTx(ctx, double); !errors.Is(err, devchain.ErrDoubleSpend) {
		t.Fatalf("double spend of a mined output: got %v", err)
	}
	if _, err := c.SendTx(ctx, good); !errors.Is(err, devchain.ErrDuplicate) {
		t.Fatalf("resending a mined tx: got %v", err)
	}

	// A coinbase younger than the maturity cannot be spent.
	hashes, err := c.MineTo(ctx, 1, k.pk)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := c.BlockByHash(ctx, hashes[0])
	young := k.spend(t, blk.Txs[0], 0, wire.NewTxOut(1000, k.pk))
	if _, err := c.SendTx(ctx, young); !errors.Is(err, devchain.ErrImmature) {
		t.Fatalf("immature coinbase spend: got %v", err)
	}
}

// follower is a chain.Cursor and chain.Handler that records what it saw.
type follower struct {
	hashes  []chainhash.Hash
	rewound []int64
}

func (f *follower) Height() int64 { return int64(len(f.hashes)) - 1 }
func (f *follower) HashAt(h int64) (chainhash.Hash, bool, error) {
	if h < 0 || h >= int64(len(f.hashes)) {
		return chainhash.Hash{}, false, nil
	}
	return f.hashes[h], true, nil
}
func (f *follower) Rewind(_ context.Context, fork int64) error {
	f.rewound = append(f.rewound, fork)
	f.hashes = f.hashes[:fork+1]
	return nil
}
func (f *follower) Connect(_ context.Context, b *chain.Block) error {
	f.hashes = append(f.hashes, b.Hash)
	return nil
}

func TestReorgReportedWithForkPoint(t *testing.T) {
	ctx := context.Background()
	c := openChain(t, t.TempDir())
	k := newKey(t, c)
	fundTx, i := fund(t, c, k, 1_000_000)
	for _, depth := range []int{1, 6, 50} {
		f := &follower{}
		if _, err := chain.Sync(ctx, c, f, f); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Mine(ctx, depth); err != nil {
			t.Fatal(err)
		}
		// A transaction confirmed in the branch that loses returns to the mempool.
		spend := k.spend(t, fundTx, i, wire.NewTxOut(990_000, k.pk))
		if depth == 6 {
			if _, err := c.SendTx(ctx, spend); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Mine(ctx, 1); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := chain.Sync(ctx, c, f, f); err != nil {
			t.Fatal(err)
		}
		tip, _ := c.Tip(ctx)
		fork := tip.Height - int64(depth)
		if depth == 6 {
			fork--
		}
		branch, err := c.Fork(ctx, fork, int(tip.Height-fork)+1)
		if err != nil {
			t.Fatal(err)
		}
		newTip, _ := c.Tip(ctx)
		if newTip.Hash != branch[len(branch)-1] || newTip.Height != tip.Height+1 {
			t.Fatalf("depth %d: tip %v after fork, want the branch's %s", depth, newTip, branch[len(branch)-1])
		}
		got, err := chain.ForkPoint(ctx, c, f)
		if err != nil || got != fork {
			t.Fatalf("depth %d: fork point %d (%v), want %d", depth, got, err, fork)
		}
		if _, err := chain.Sync(ctx, c, f, f); err != nil {
			t.Fatal(err)
		}
		if len(f.rewound) != 1 || f.rewound[0] != fork || f.hashes[len(f.hashes)-1] != newTip.Hash {
			t.Fatalf("depth %d: follower rewound %v, tip %s; want [%d], %s", depth, f.rewound, f.hashes[len(f.hashes)-1], fork, newTip.Hash)
		}
		if depth == 6 {
			if mp := c.Mempool(); len(mp) != 1 || mp[0].TxHash() != spend.TxHash() {
				t.Fatalf("the reorganised-away tx is not back in the mempool (%d txs)", len(mp))
			}
			if _, err := c.Mine(ctx, 1); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestInvalidBranchChangesNothing(t *testing.T) {
	ctx := context.Background()
	c := openChain(t, t.TempDir())
	k := newKey(t, c)
	fundTx, i := fund(t, c, k, 1_000_000)
	tip, _ := c.Tip(ctx)
	bad := k.spend(t, fundTx, i, wire.NewTxOut(900_000, k.pk))
	bad.TxOut[0].Value = 800_000
	parent, _ := c.BlockHash(ctx, tip.Height-1)
	if _, err := c.MineBlock(ctx, parent, nil, []byte("side")); err != nil {
		t.Fatal(err) // a side branch as long as the chain: no reorg
	}
	side, _ := c.Tip(ctx)
	if side != tip {
		t.Fatalf("an equal-length branch moved the tip to %v", side)
	}
	if _, err := c.MineBlock(ctx, tip.Hash, []*wire.MsgTx{bad}, nil); !errors.Is(err, devchain.ErrBadScript) {
		t.Fatalf("block with a bad signature: got %v", err)
	}
	if now, _ := c.Tip(ctx); now != tip {
		t.Fatalf("refused block moved the tip to %v", now)
	}
}

func TestSubscribeTips(t *testing.T) {
	c := openChain(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	tips, err := c.SubscribeTips(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recv := func() chain.Tip {
		t.Helper()
		select {
		case tip, ok := <-tips:
			if !ok {
				t.Fatal("tips closed")
			}
			return tip
		case <-time.After(10 * time.Second):
			t.Fatal("no tip within 10 s")
		}
		return chain.Tip{}
	}
	now, _ := c.Tip(ctx)
	if got := recv(); got != now {
		t.Fatalf("first tip %v, want the current %v", got, now)
	}
	hashes, err := c.Mine(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(); got.Hash != hashes[0] || got.Height != now.Height+1 {
		t.Fatalf("tip after a block %v, want %d %s", got, now.Height+1, hashes[0])
	}
	// A slow reader misses intermediate tips but gets the latest.
	hashes, err = c.Mine(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(); got.Hash != hashes[4] || got.Height != now.Height+6 {
		t.Fatalf("tip after 5 unread blocks %v, want %d %s", got, now.Height+6, hashes[4])
	}
	// A reorganisation is a new tip too.
	branch, err := c.Fork(ctx, now.Height+4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(); got.Hash != branch[2] || got.Height != now.Height+7 {
		t.Fatalf("tip after a reorg %v, want %d %s", got, now.Height+7, branch[2])
	}
	cancel()
	select {
	case _, ok := <-tips:
		if ok {
			t.Fatal("a tip after the subscription ended")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tips not closed 10 s after its context ended")
	}
}

// eventFollower is a follower for chain.Follow on another goroutine: it
// reports what it is told on events.
type eventFollower struct {
	follower
	events chan string
}

func (f *eventFollower) Rewind(ctx context.Context, fork int64) error {
	f.events <- fmt.Sprintf("rewind to %d", fork)
	return f.follower.Rewind(ctx, fork)
}

func (f *eventFollower) Connect(ctx context.Context, b *chain.Block) error {
	f.events <- fmt.Sprintf("connect %d %s", b.Height, b.Hash)
	return f.follower.Connect(ctx, b)
}

// TestFollowReportsReorg: a follower running chain.Follow connects new
// blocks as they are mined, and when the chain is reorganised under it is
// told to rewind to the fork point, then given the winning branch.
func TestFollowReportsReorg(t *testing.T) {
	c := openChain(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	f := &eventFollower{events: make(chan string, 512)}
	var followErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		followErr = chain.Follow(ctx, c, f, f)
	}()
	defer func() {
		cancel()
		<-done
	}()

	// expect reads events until want, failing on anything but connects
	// on the way.
	expect := func(want string) {
		t.Helper()
		for {
			select {
			case ev := <-f.events:
				if ev == want {
					return
				}
				if !strings.HasPrefix(ev, "connect ") {
					t.Fatalf("follower told %q while waiting for %q", ev, want)
				}
			case <-done:
				t.Fatalf("Follow returned %v while waiting for %q", followErr, want)
			case <-time.After(10 * time.Second):
				t.Fatalf("no %q within 10 s", want)
			}
		}
	}
	tip, _ := c.Tip(ctx)
	expect(fmt.Sprintf("connect %d %s", tip.Height, tip.Hash))
	mined, err := c.Mine(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range mined {
		expect(fmt.Sprintf("connect %d %s", tip.Height+1+int64(i), h))
	}

	fork := tip.Height + 1
	branch, err := c.Fork(ctx, fork, 4)
	if err != nil {
		t.Fatal(err)
	}
	expect(fmt.Sprintf("rewind to %d", fork))
	for i, h := range branch {
		want := fmt.Sprintf("connect %d %s", fork+1+int64(i), h)
		select {
		case ev := <-f.events:
			if ev != want {
				t.Fatalf("after the rewind the follower was told %q, want %q", ev, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %q within 10 s", want)
		}
	}

	cancel()
	<-done
	if !errors.Is(followErr, context.Canceled) {
		t.Fatalf("Follow returned %v after its context ended, want context.Canceled", followErr)
	}
	if got := f.hashes[len(f.hashes)-1]; got != branch[3] || len(f.rewound) != 1 {
		t.Fatalf("follower ends at %s after %d rewinds, want %s after 1", got, len(f.rewound), branch[3])
	}
}

// TestShortChainMinedToMaturity: blocks are committed one by one, so a
// pre-mine can be cut short; opening a chain shorter than maturity+1
// blocks mines the rest.
func TestShortChainMinedToMaturity(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, maturity := range []int64{5, 10} {
		c, err := devchain.Open(devchain.Config{DataDir: dir, NoSync: true, CoinbaseMaturity: maturity})
		if err != nil {
			t.Fatal(err)
		}
		tip, _ := c.Tip(ctx)
		c.Close()
		if tip.Height != maturity+1 {
			t.Fatalf("chain opened with maturity %d has tip %d, want %d", maturity, tip.Height, maturity+1)
		}
	}
}
