package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
	"github.com/go-blockstack/go-blockstack/internal/btcdtest"
)

func startNode(t *testing.T, opts btcdtest.Options) (*rpc.Client, *btcdtest.Node) {
	t.Helper()
	n := btcdtest.Start(t, opts)
	c, err := rpc.New(rpc.Config{
		Host: n.RPCHost, User: n.User, Pass: n.Pass,
		Params:       n.Params,
		PollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, n
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestBlocks(t *testing.T) {
	t.Parallel()
	c, _ := startNode(t, btcdtest.Options{})
	ctx := testCtx(t)

	if err := c.CheckNetwork(ctx); err != nil {
		t.Fatal(err)
	}
	tip, err := c.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tip.Height != 0 || tip.Hash != *chaincfg.RegressionNetParams.GenesisHash {
		t.Fatalf("fresh node tip = %d %s, want genesis", tip.Height, tip.Hash)
	}

	mined, err := c.Mine(ctx, 101)
	if err != nil {
		t.Fatal(err)
	}
	if len(mined) != 101 {
		t.Fatalf("Mine(101) returned %d hashes", len(mined))
	}
	tip, err = c.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tip.Height != 101 || tip.Hash != mined[100] {
		t.Fatalf("tip after Mine(101) = %d %s, want 101 %s", tip.Height, tip.Hash, mined[100])
	}

	prev := *chaincfg.RegressionNetParams.GenesisHash
	for h := int64(0); h <= tip.Height; h++ {
		hash, err := c.BlockHash(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if h > 0 && hash != mined[h-1] {
			t.Fatalf("BlockHash(%d) = %s, Mine said %s", h, hash, mined[h-1])
		}
		if h%25 != 0 && h != tip.Height { // sample the full reads
			continue
		}
		byHeight, err := c.BlockByHeight(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		byHash, err := c.BlockByHash(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if hdr, err := c.BlockHeader(ctx, hash); err != nil || hdr.BlockHash() != hash {
			t.Fatalf("header of block %d: %v %v", h, hdr, err)
		}
		for _, b := range []*chain.Block{byHeight, byHash} {
			if b.Height != h || b.Hash != hash || b.Header.BlockHash() != hash || len(b.Txs) == 0 {
				t.Fatalf("block at %d: got height %d hash %s header %s, %d txs", h, b.Height, b.Hash, b.Header.BlockHash(), len(b.Txs))
			}
		}
		if h > 0 && h%25 == 1 && byHeight.Header.PrevBlock != prev {
			t.Fatalf("block %d prev = %s, want %s", h, byHeight.Header.PrevBlock, prev)
		}
		prev = hash
	}

	// Transaction finds a confirmed coinbase through --txindex.
	b, err := c.BlockByHeight(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	cb := b.Txs[0].TxHash()
	tx, err := c.Transaction(ctx, cb)
	if err != nil {
		t.Fatal(err)
	}
	if tx.TxHash() != cb {
		t.Fatalf("Transaction(%s) returned %s", cb, tx.TxHash())
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	c, _ := startNode(t, btcdtest.Options{})
	ctx := testCtx(t)
	if _, err := c.Mine(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for _, h := range []int64{4, 1000, -1} {
		if _, err := c.BlockHash(ctx, h); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("BlockHash(%d) error = %v, want ErrNotFound", h, err)
		}
		if _, err := c.BlockByHeight(ctx, h); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("BlockByHeight(%d) error = %v, want ErrNotFound", h, err)
		}
	}
	unknown := chainhash.HashH([]byte("no such thing"))
	if _, err := c.BlockByHash(ctx, unknown); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("BlockByHash(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := c.BlockHeader(ctx, unknown); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("BlockHeader(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := c.Transaction(ctx, unknown); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("Transaction(unknown) error = %v, want ErrNotFound", err)
	}
}

func TestSendTx(t *testing.T) {
	t.Parallel()
	key, err := btcec.NewPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	params := &chaincfg.RegressionNetParams
	addr, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(key.PubKey().SerializeCompressed()), params)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := startNode(t, btcdtest.Options{MiningAddr: addr.EncodeAddress()})
	ctx := testCtx(t)
	if _, err := c.Mine(ctx, 101); err != nil {
		t.Fatal(err)
	}

	// Refusals: a transaction without inputs, one spending an unknown
	// output, and one spending an immature coinbase.
	empty := wire.NewMsgTx(wire.TxVersion)
	empty.AddTxOut(wire.NewTxOut(1000, []byte{txscript.OP_TRUE}))
	orphan := wire.NewMsgTx(wire.TxVersion)
	orphan.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{1}, 0), []byte{txscript.OP_TRUE}, nil))
	orphanPk, err := txscript.PayToAddrScript(addr)
	if err != nil {
		t.Fatal(err)
	}
	orphan.AddTxOut(wire.NewTxOut(1000, orphanPk))
	b101, err := c.BlockByHeight(ctx, 101)
	if err != nil {
		t.Fatal(err)
	}
	immature := spend(t, key, b101.Txs[0], addr)
	for name, tx := range map[string]*wire.MsgTx{"no inputs": empty, "unknown input": orphan, "immature coinbase": immature} {
		_, err := c.SendTx(ctx, tx)
		if !errors.Is(err, chain.ErrRejected) {
			t.Errorf("SendTx(%s) error = %v, want ErrRejected", name, err)
			continue
		}
		t.Logf("SendTx(%s): %v", name, err)
	}

	// A valid spend of block 1's coinbase is accepted, is visible in the
	// mempool and stays visible once mined.
	b1, err := c.BlockByHeight(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	tx := spend(t, key, b1.Txs[0], addr)
	txid, err := c.SendTx(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if txid != tx.TxHash() {
		t.Fatalf("SendTx returned %s, want %s", txid, tx.TxHash())
	}
	if _, err := c.Transaction(ctx, txid); err != nil {
		t.Fatalf("mempool transaction: %v", err)
	}
	mined, err := c.Mine(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := c.BlockByHash(ctx, mined[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(blk.Txs) != 2 || blk.Txs[1].TxHash() != txid {
		t.Fatalf("mined block has %d txs, want the coinbase and %s", len(blk.Txs), txid)
	}
	if got, err := c.Transaction(ctx, txid); err != nil || got.TxHash() != txid {
		t.Fatalf("confirmed transaction: %v", err)
	}
	// Sending it again is refused too.
	if _, err := c.SendTx(ctx, tx); !errors.Is(err, chain.ErrRejected) {
		t.Fatalf("resend error = %v, want ErrRejected", err)
	}
}

// spend pays prev's first output, less a fee, back to addr.
func spend(t *testing.T, key *btcec.PrivateKey, prev *wire.MsgTx, addr btcutil.Address) *wire.MsgTx {
	t.Helper()
	pk, err := txscript.PayToAddrScript(addr)
	if err != nil {
		t.Fatal(err)
	}
	h := prev.TxHash()
	tx := wire.NewMsgTx(wire.TxVersion)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&h, 0), nil, nil))
	tx.AddTxOut(wire.NewTxOut(prev.TxOut[0].Value-10000, pk))
	sig, err := txscript.SignatureScript(tx, 0, prev.TxOut[0].PkScript, txscript.SigHashAll, key, true)
	if err != nil {
		t.Fatal(err)
	}
	tx.TxIn[0].SignatureScript = sig
	return tx
}

func TestSubscribeTips(t *testing.T) {
	t.Parallel()
	c, _ := startNode(t, btcdtest.Options{})
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	tips, err := c.SubscribeTips(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := recvTip(t, tips)
	if first.Height != 0 {
		t.Fatalf("first tip height %d, want 0", first.Height)
	}
	mined, err := c.Mine(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	// The poller may see the intermediate tip; it must reach the last.
	for {
		tip := recvTip(t, tips)
		if tip.Hash == mined[1] {
			if tip.Height != 2 {
				t.Fatalf("tip %s at height %d, want 2", tip.Hash, tip.Height)
			}
			break
		}
		if tip.Hash != mined[0] {
			t.Fatalf("unexpected tip %d %s", tip.Height, tip.Hash)
		}
	}
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-tips:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("tips channel not closed after cancel")
		}
	}
}

func recvTip(t *testing.T, tips <-chan chain.Tip) chain.Tip {
	t.Helper()
	select {
	case tip, ok := <-tips:
		if !ok {
			t.Fatal("tips channel closed")
		}
		return tip
	case <-time.After(10 * time.Second):
		t.Fatal("no tip within 10s")
	}
	panic("unreachable")
}

// memFollower is a Cursor and Handler that records what Sync does.
type memFollower struct {
	hashes []chainhash.Hash // index = height
	events []string
}

func (f *memFollower) Height() int64 { return int64(len(f.hashes)) - 1 }

func (f *memFollower) HashAt(h int64) (chainhash.Hash, bool, error) {
	if h < 0 || h >= int64(len(f.hashes)) {
		return chainhash.Hash{}, false, nil
	}
	return f.hashes[h], true, nil
}

func (f *memFollower) Rewind(_ context.Context, fork int64) error {
	f.events = append(f.events, fmt.Sprintf("rewind %d", fork))
	f.hashes = f.hashes[:fork+1]
	return nil
}

func (f *memFollower) Connect(_ context.Context, b *chain.Block) error {
	if b.Height != int64(len(f.hashes)) {
		return fmt.Errorf("connect %d, expected %d", b.Height, len(f.hashes))
	}
	f.events = append(f.events, fmt.Sprintf("connect %d", b.Height))
	f.hashes = append(f.hashes, b.Hash)
	return nil
}

func TestReorg(t *testing.T) {
	t.Parallel()
	c, n := startNode(t, btcdtest.Options{})
	ctx := testCtx(t)
	if _, err := c.Mine(ctx, 5); err != nil {
		t.Fatal(err)
	}
	f := &memFollower{}
	tip, err := chain.Sync(ctx, c, f, f)
	if err != nil {
		t.Fatal(err)
	}
	if tip.Height != 5 || f.Height() != 5 || f.hashes[5] != tip.Hash {
		t.Fatalf("initial sync: tip %d, follower at %d", tip.Height, f.Height())
	}
	old := append([]chainhash.Hash(nil), f.hashes...)

	// Invalidate the block at tip-2: the node falls back to height 2.
	raw := n.Client(t)
	param, _ := json.Marshal(old[3].String())
	if _, err := raw.RawRequest("invalidateblock", []json.RawMessage{param}); err != nil {
		t.Fatalf("invalidateblock: %v", err)
	}
	if tip, err := c.Tip(ctx); err != nil || tip.Height != 2 || tip.Hash != old[2] {
		t.Fatalf("tip after invalidateblock = %+v, %v; want 2 %s", tip, err, old[2])
	}
	mined, err := c.Mine(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if mined[i] == old[3+i] {
			t.Fatalf("re-mined block %d is identical to the invalidated one", 3+i)
		}
	}

	fork, err := chain.ForkPoint(ctx, c, f)
	if err != nil {
		t.Fatal(err)
	}
	if fork != 2 {
		t.Fatalf("ForkPoint = %d, want 2", fork)
	}
	f.events = nil
	tip, err = chain.Sync(ctx, c, f, f)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rewind 2", "connect 3", "connect 4", "connect 5", "connect 6"}
	if strings.Join(f.events, ", ") != strings.Join(want, ", ") {
		t.Fatalf("Sync events = %v, want %v", f.events, want)
	}
	if tip.Height != 6 || tip.Hash != mined[3] {
		t.Fatalf("Sync tip = %d %s, want 6 %s", tip.Height, tip.Hash, mined[3])
	}
	for i, h := range mined {
		if f.hashes[3+i] != h {
			t.Fatalf("follower at %d has %s, want %s", 3+i, f.hashes[3+i], h)
		}
	}
	// The old branch is no longer the best chain.
	if _, err := c.BlockByHash(ctx, old[4]); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("BlockByHash(stale block) error = %v, want ErrNotFound", err)
	}
}

// TestContext checks that a call returns when its ctx ends even though the
// node never answers.
func TestContext(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accept and hold connections, never reply
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	c, err := rpc.New(rpc.Config{Host: l.Addr().String(), User: "u", Pass: "p", Params: &chaincfg.RegressionNetParams})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Tip(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Tip error = %v, want deadline exceeded", err)
	}
	if _, err := c.SubscribeTips(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SubscribeTips error = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("calls took %v after their deadline", d)
	}
}

// TestBitcoindErrors checks the bitcoind flavour of errors, and Mine's
// fallback to generatetoaddress, against a fake node.
func TestBitcoindErrors(t *testing.T) {
	t.Parallel()
	a, aerr := btcutil.NewAddressPubKeyHash(make([]byte, 20), &chaincfg.RegressionNetParams)
	if aerr != nil {
		t.Fatal(aerr)
	}
	mineAddr := a.EncodeAddress()
	var (
		mu    sync.Mutex
		calls []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			ID     json.RawMessage   `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		calls = append(calls, req.Method)
		mu.Unlock()
		reply := func(result any, code int, msg string) {
			resp := map[string]any{"id": req.ID, "result": result, "error": nil}
			if code != 0 {
				resp["result"] = nil
				resp["error"] = map[string]any{"code": code, "message": msg}
			}
			json.NewEncoder(w).Encode(resp)
		}
		switch req.Method {
		case "getblockhash":
			reply(nil, -8, "Block height out of range")
		case "getblock":
			reply(nil, -5, "Block not found")
		case "getrawtransaction":
			reply(nil, -5, "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.")
		case "sendrawtransaction":
			reply(nil, -26, "mandatory-script-verify-flag-failed")
		case "generate":
			reply(nil, -32601, "generate has been replaced by the -generate cli option")
		case "generatetoaddress":
			if len(req.Params) != 2 || string(req.Params[1]) != `"`+mineAddr+`"` {
				reply(nil, -8, "bad params "+string(body))
				return
			}
			reply([]string{chainhash.HashH([]byte("b")).String()}, 0, "")
		default:
			reply(nil, -32601, "Method not found")
		}
	}))
	defer srv.Close()
	c, err := rpc.New(rpc.Config{
		Host:          strings.TrimPrefix(srv.URL, "http://"),
		User:          "u",
		Pass:          "p",
		Params:        &chaincfg.RegressionNetParams,
		MiningAddress: mineAddr,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := testCtx(t)
	h := chainhash.HashH([]byte("x"))
	if _, err := c.BlockHash(ctx, 7); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("BlockHash error = %v", err)
	}
	if _, err := c.BlockByHash(ctx, h); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("BlockByHash error = %v", err)
	}
	if _, err := c.Transaction(ctx, h); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("Transaction error = %v", err)
	}
	if _, err := c.SendTx(ctx, wire.NewMsgTx(2)); !errors.Is(err, chain.ErrRejected) || !strings.Contains(err.Error(), "mandatory-script-verify-flag-failed") {
		t.Errorf("SendTx error = %v", err)
	}
	for i := 0; i < 2; i++ {
		got, err := c.Mine(ctx, 1)
		if err != nil || len(got) != 1 || got[0] != chainhash.HashH([]byte("b")) {
			t.Fatalf("Mine = %v, %v", got, err)
		}
	}
	// With a mining address, generatetoaddress is asked for first and kept.
	want := "getblockhash getblock getrawtransaction sendrawtransaction generatetoaddress generatetoaddress"
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(calls, " "); got != want {
		t.Errorf("calls = %s\nwant    %s", got, want)
	}
}
