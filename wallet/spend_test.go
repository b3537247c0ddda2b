package wallet

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/go-blockstack/go-blockstack/chain"
)

func asInsufficient(err error, target **InsufficientFundsError) bool {
	return errors.Is(err, ErrInsufficientFunds) && errors.As(err, target)
}

// checkTx verifies every input's signature with txscript's engine and
// returns the fee and the size.
func checkTx(t *testing.T, fc *fakeChain, tx *wire.MsgTx) (fee, size int64) {
	t.Helper()
	prev, err := fc.prevOuts(tx)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyScripts(tx, prev); err != nil {
		t.Fatalf("signature check: %v", err)
	}
	for _, p := range prev {
		fee += p.Value
	}
	for _, o := range tx.TxOut {
		fee -= o.Value
	}
	return fee, int64(tx.SerializeSize())
}

// checkFee checks tx's signatures and that its fee is rate × size, rounded
// up by at most the slack of the size estimate (a signature is sometimes
// a byte or two shorter than the bound).
func checkFee(t *testing.T, fc *fakeChain, tx *wire.MsgTx, rate int64) (fee int64) {
	t.Helper()
	fee, size := checkTx(t, fc, tx)
	if fee < rate*size || fee > rate*(size+2*int64(len(tx.TxIn))) {
		t.Errorf("fee %d for %d bytes at %d sat/vB", fee, size, rate)
	}
	return fee
}

// spendsFrom says whether every input of tx spends an output paying k.
func spendsFrom(t *testing.T, fc *fakeChain, tx *wire.MsgTx, k *Key) bool {
	t.Helper()
	prev, err := fc.prevOuts(tx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range tx.TxIn {
		if !bytes.Equal(prev[in.PreviousOutPoint].PkScript, k.PkScript()) {
			return false
		}
	}
	return true
}

func TestBuildTxBNSShape(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	owner := w.OwnerKeys()[0]
	fc.fund(owner.PkScript(), 3e6, 1e6)
	fc.fund(w.PaymentKey().PkScript(), 9e8) // never used for owner's transactions
	mustSync(t, w, fc)

	opReturn, err := txscript.NullDataScript([]byte("id?0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	burn := wire.NewTxOut(40000, nobody)
	outs := []*wire.TxOut{wire.NewTxOut(0, opReturn), burn}
	tx, err := w.BuildTx(TxRequest{From: owner, Outputs: outs, ChangeIndex: 1, FeeRate: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.TxOut) != 3 {
		t.Fatalf("%d outputs, want op_return, change, burn", len(tx.TxOut))
	}
	if !bytes.Equal(tx.TxOut[0].PkScript, opReturn) || !bytes.Equal(tx.TxOut[2].PkScript, nobody) || tx.TxOut[2].Value != 40000 {
		t.Error("requested outputs moved")
	}
	if !bytes.Equal(tx.TxOut[1].PkScript, owner.PkScript()) {
		t.Error("output 1 is not change to the sender")
	}
	if len(tx.TxIn) != 1 || !spendsFrom(t, fc, tx, owner) {
		t.Errorf("inputs: %d, want the sender's largest coin", len(tx.TxIn))
	}
	fee := checkFee(t, fc, tx, 10)
	if tx.TxOut[1].Value != 3e6-40000-fee {
		t.Errorf("change %d", tx.TxOut[1].Value)
	}
	if outs[0].Value != 0 || len(outs) != 2 {
		t.Error("caller's outputs modified")
	}
}

func TestBuildTxSelectsLargestFirst(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()
	fc.fund(pay.PkScript(), 2e7, 1e8, 3e7)
	mustSync(t, w, fc)

	tx, err := w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(12e7, nobody)}, ChangeIndex: AppendChange, FeeRate: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.TxIn) != 2 {
		t.Fatalf("%d inputs, want 2 (1e8 and 3e7)", len(tx.TxIn))
	}
	prev, _ := fc.prevOuts(tx)
	if v := prev[tx.TxIn[0].PreviousOutPoint].Value; v != 1e8 {
		t.Errorf("first input worth %d, want the largest coin", v)
	}
	if len(tx.TxOut) != 2 || !bytes.Equal(tx.TxOut[1].PkScript, pay.PkScript()) {
		t.Error("change not appended")
	}
	checkFee(t, fc, tx, 5)
}

func TestBuildTxDustChange(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()
	fc.fund(pay.PkScript(), 1e8)
	mustSync(t, w, fc)

	// One input and one P2PKH output: 192 bytes, 1920 sat at 10 sat/vB;
	// 100 sat are left over, too little for change.
	const rate = 10
	value := int64(1e8 - 1920 - 100)
	tx, err := w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(value, nobody)}, ChangeIndex: AppendChange, FeeRate: rate})
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.TxOut) != 1 {
		t.Fatalf("%d outputs, want the dust change dropped", len(tx.TxOut))
	}
	if fee, size := checkTx(t, fc, tx); fee != 2020 || fee < rate*size {
		t.Errorf("fee %d for %d bytes, want 2020 (the dust to the miner)", fee, size)
	}

	// At a fixed index the change output must exist: not enough coins.
	_, err = w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(value, nobody)}, ChangeIndex: 0, FeeRate: rate})
	var short *InsufficientFundsError
	if !asInsufficient(err, &short) {
		t.Fatalf("fixed change below dust: %v, want insufficient funds", err)
	}
	// With change: 226 bytes.
	if want := value + rate*226 + DustLimit; short.Needed != want || short.Available != 1e8 {
		t.Errorf("needed %d available %d, want %d and 1e8", short.Needed, short.Available, want)
	}
	if !strings.Contains(err.Error(), "need") || !strings.Contains(err.Error(), pay.Address().EncodeAddress()) {
		t.Errorf("unclear error: %v", err)
	}
}

func TestBuildTxErrors(t *testing.T) {
	w := newTestWallet(t)
	pay := w.PaymentKey()
	out := []*wire.TxOut{wire.NewTxOut(1000, nobody)}
	stranger, err := ParseWIF("cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA", &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]TxRequest{
		"no sender":     {Outputs: out, ChangeIndex: AppendChange, FeeRate: 1},
		"foreign key":   {From: stranger, Outputs: out, ChangeIndex: AppendChange, FeeRate: 1},
		"zero fee rate": {From: pay, Outputs: out, ChangeIndex: AppendChange},
		"no outputs":    {From: pay, ChangeIndex: AppendChange, FeeRate: 1},
		"change index":  {From: pay, Outputs: out, ChangeIndex: 2, FeeRate: 1},
		"negative":      {From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(-1, nobody)}, ChangeIndex: AppendChange, FeeRate: 1},
	} {
		if _, err := w.BuildTx(req); err == nil || errors.Is(err, ErrInsufficientFunds) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = w.BuildTx(TxRequest{From: pay, Outputs: out, ChangeIndex: AppendChange, FeeRate: 1})
	var short *InsufficientFundsError
	if !asInsufficient(err, &short) || short.Available != 0 || short.Needed != 1000+192 {
		t.Errorf("empty wallet: %v", err)
	}
}

func TestUncompressedWIFSpend(t *testing.T) {
	fc := newFakeChain(&chaincfg.MainNetParams)
	w, err := Create(filepath.Join(t.TempDir(), "wallet.json"), CreateOptions{Network: "mainnet", WIF: "5HpHagT65TZzG1PH3CSu63k8DbpvD8s5ip4nEB3kEsreAnchuDf"})
	if err != nil {
		t.Fatal(err)
	}
	k := w.PaymentKey()
	fc.fund(k.PkScript(), 1e6, 1e6)
	mustSync(t, w, fc)
	tx, err := w.BuildTx(TxRequest{From: k, Outputs: []*wire.TxOut{wire.NewTxOut(15e5, nobody)}, ChangeIndex: AppendChange, FeeRate: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkFee(t, fc, tx, 3)
}

func TestSendLocksCoins(t *testing.T) {
	ctx := context.Background()
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()
	fc.fund(pay.PkScript(), 1e8, 5e7)
	mustSync(t, w, fc)

	req := TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(1e7, nobody)}, ChangeIndex: AppendChange, FeeRate: 2}
	tx1, err := w.BuildTx(req)
	if err != nil {
		t.Fatal(err)
	}
	req.Outputs = []*wire.TxOut{wire.NewTxOut(2e7, nobody)}
	tx2, err := w.BuildTx(req) // built before tx1 is sent: same coin
	if err != nil {
		t.Fatal(err)
	}
	txid, err := w.Send(ctx, fc, tx1)
	if err != nil {
		t.Fatal(err)
	}
	if txid != tx1.TxHash() {
		t.Errorf("txid %s, want %s", txid, tx1.TxHash())
	}
	change := tx1.TxOut[1].Value
	if got := w.Balance(); got != (Balance{Spendable: 5e7, Locked: 1e8, Incoming: change}) {
		t.Errorf("after send: %+v", got)
	}
	if _, err := w.Send(ctx, fc, tx2); !errors.Is(err, ErrDoubleSpend) {
		t.Errorf("conflicting send: %v, want ErrDoubleSpend", err)
	}
	if _, err := w.Send(ctx, fc, tx1); err != nil {
		t.Errorf("sending the same tx again: %v", err)
	}
	tx3, err := w.BuildTx(req)
	if err != nil {
		t.Fatal(err)
	}
	if tx3.TxIn[0].PreviousOutPoint == tx1.TxIn[0].PreviousOutPoint {
		t.Error("new transaction spends the locked coin")
	}

	// The lock survives a restart.
	w2, err := Open(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Send(ctx, fc, tx2); !errors.Is(err, ErrDoubleSpend) {
		t.Errorf("after reopening: %v, want ErrDoubleSpend", err)
	}
	req.Outputs = []*wire.TxOut{wire.NewTxOut(6e7, nobody)}
	_, err = w2.BuildTx(req)
	var short *InsufficientFundsError
	if !asInsufficient(err, &short) || short.Locked != 1e8 {
		t.Errorf("spending locked coins: %v", err)
	}

	// Confirmation settles it: the change is an ordinary coin.
	fc.mine()
	mustSync(t, w2, fc)
	if got := w2.Balance(); got != (Balance{Spendable: 5e7 + change}) {
		t.Errorf("after confirmation: %+v", got)
	}
}

func TestSendDroppedReleases(t *testing.T) {
	ctx := context.Background()
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()
	fc.fund(pay.PkScript(), 1e8)
	mustSync(t, w, fc)
	tx, err := w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(1e7, nobody)}, ChangeIndex: AppendChange, FeeRate: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Send(ctx, fc, tx); err != nil {
		t.Fatal(err)
	}
	mustSync(t, w, fc) // still in the mempool: stays locked
	if got := w.Balance().Locked; got != 1e8 {
		t.Fatalf("locked %d while in the mempool", got)
	}
	fc.dropFromMempool(tx.TxHash())
	mustSync(t, w, fc)
	if got := w.Balance(); got != (Balance{Spendable: 1e8}) {
		t.Errorf("after the backend dropped it: %+v", got)
	}
}

func TestSendFailures(t *testing.T) {
	ctx := context.Background()
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()
	fc.fund(pay.PkScript(), 1e8)
	mustSync(t, w, fc)
	tx, err := w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(1e7, nobody)}, ChangeIndex: AppendChange, FeeRate: 2})
	if err != nil {
		t.Fatal(err)
	}

	// Rejected (a broken signature): nothing is locked.
	bad := tx.Copy()
	bad.TxIn[0].SignatureScript[10] ^= 1
	if _, err := w.Send(ctx, fc, bad); !errors.Is(err, chain.ErrRejected) {
		t.Fatalf("bad signature: %v, want ErrRejected", err)
	}
	if got := w.Balance().Locked; got != 0 {
		t.Errorf("rejected tx locked %d", got)
	}

	// Unknown outcome: locked until a sync finds the backend without it.
	fc.sendErr = errTimeout
	txid, err := w.Send(ctx, fc, tx)
	if !errors.Is(err, errTimeout) || txid != (chainhash.Hash{}) {
		t.Fatalf("send during an outage: %s, %v", txid, err)
	}
	if got := w.Balance().Locked; got != 1e8 {
		t.Errorf("locked %d after an unknown outcome, want 1e8", got)
	}
	fc.sendErr = nil
	mustSync(t, w, fc)
	if got := w.Balance(); got != (Balance{Spendable: 1e8}) {
		t.Errorf("after sync: %+v", got)
	}
}

func TestReorgRelocksSentTx(t *testing.T) {
	ctx := context.Background()
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()
	fc.fund(pay.PkScript(), 1e8)
	mustSync(t, w, fc)
	req := TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(1e7, nobody)}, ChangeIndex: AppendChange, FeeRate: 2}
	tx, err := w.BuildTx(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Send(ctx, fc, tx); err != nil {
		t.Fatal(err)
	}
	_, err = w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(2e7, nobody)}, ChangeIndex: AppendChange, FeeRate: 2})
	if !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("second spend while the first is pending: %v", err)
	}
	confirmed := fc.mine().Height
	mustSync(t, w, fc)
	change := tx.TxOut[1].Value
	if got := w.Balance(); got != (Balance{Spendable: change}) {
		t.Fatalf("confirmed: %+v", got)
	}

	// The block is reorganised away and the transaction returns to the
	// mempool: its coin is back, but locked.
	fc.reorg(confirmed-1, true)
	fc.mineTxs()
	fc.mineTxs()
	mustSync(t, w, fc)
	if got := w.Balance(); got != (Balance{Locked: 1e8, Incoming: change}) {
		t.Fatalf("unconfirmed by a reorg: %+v", got)
	}
	if _, err := w.BuildTx(req); !errors.Is(err, ErrInsufficientFunds) {
		t.Errorf("spending the coin of an unconfirmed tx: %v", err)
	}

	fc.mine() // confirms it again
	mustSync(t, w, fc)
	if got := w.Balance(); got != (Balance{Spendable: change}) {
		t.Fatalf("confirmed again: %+v", got)
	}
	// Buried below the undo window it is forgotten.
	for range undoDepth {
		fc.mine()
	}
	mustSync(t, w, fc)
	if n := len(w.led.sent); n != 0 {
		t.Errorf("%d sent transactions remembered after %d confirmations", n, undoDepth)
	}
}

// TestFeeForAndCoin: FeeFor predicts BuildTx's fee exactly, and Coin sees
// an output once a block confirms it, not before.
func TestFeeForAndCoin(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay, owner := w.PaymentKey(), w.OwnerKeys()[0]
	fc.fund(pay.PkScript(), 1e6)
	mustSync(t, w, fc)
	out := wire.NewTxOut(50_000, owner.PkScript())
	tx, err := w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{out}, ChangeIndex: AppendChange, FeeRate: 7})
	if err != nil {
		t.Fatal(err)
	}
	fee, _ := checkTx(t, fc, tx)
	if want := FeeFor(pay, len(tx.TxIn), tx.TxOut, 7); fee != want {
		t.Errorf("BuildTx paid %d, FeeFor says %d", fee, want)
	}

	paid := wire.OutPoint{Hash: tx.TxHash(), Index: 0}
	if _, err := w.Send(context.Background(), fc, tx); err != nil {
		t.Fatal(err)
	}
	mustSync(t, w, fc)
	if _, ok := w.Coin(paid); ok {
		t.Fatal("Coin reports an unconfirmed output")
	}
	blk := fc.mineTxs(tx)
	mustSync(t, w, fc)
	if h, ok := w.Coin(paid); !ok || h != blk.Height {
		t.Fatalf("Coin after confirmation: %d, %v; want block %d", h, ok, blk.Height)
	}
}
