package wallet

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"
)

func TestScanFindsCoinsAndResumes(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay, owner := w.PaymentKey(), w.OwnerKeys()[1]

	funding := fc.fund(pay.PkScript(), 1e8, 2e8) // height 1
	fc.fund(owner.PkScript(), 5e4)               // height 2
	fc.fund(nobody, 7e8)                         // height 3
	// Height 4: someone (another copy of the wallet) spends the 1e8 coin.
	spend := wire.NewMsgTx(wire.TxVersion)
	spend.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: funding.TxHash(), Index: 0}, nil, nil))
	spend.AddTxOut(wire.NewTxOut(1e8, nobody))
	fc.mineTxs(spend)

	tip := mustSync(t, w, fc)
	if tip.Height != 4 || w.Height() != 4 {
		t.Fatalf("synced to %d (wallet %d), want 4", tip.Height, w.Height())
	}
	if got := w.BalanceOf(pay).Spendable; got != 2e8 {
		t.Errorf("payment spendable %d, want 2e8", got)
	}
	if got := w.BalanceOf(owner).Spendable; got != 5e4 {
		t.Errorf("owner 1 spendable %d, want 5e4", got)
	}
	if got := w.Balance(); got != (Balance{Spendable: 2e8 + 5e4}) {
		t.Errorf("balance %+v", got)
	}

	fi, err := os.Stat(StatePath(w.Path()))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v", fi.Mode().Perm())
	}

	// A new process resumes where the last one stopped.
	w2, err := Open(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if w2.Height() != 4 || w2.Balance() != w.Balance() {
		t.Fatalf("reopened at %d with %+v", w2.Height(), w2.Balance())
	}
	fc.fund(pay.PkScript(), 3e8)
	fc.mine()
	reads := fc.blockReads()
	mustSync(t, w2, fc)
	if n := fc.blockReads() - reads; n != 2 {
		t.Errorf("resumed sync read %d blocks, want 2", n)
	}
	if got := w2.BalanceOf(pay).Spendable; got != 5e8 {
		t.Errorf("payment spendable %d after resume, want 5e8", got)
	}
}

func TestReorgRewinds(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()

	a := fc.fund(pay.PkScript(), 1e8) // height 1: survives the reorg
	fc.mine()
	fc.mine()
	fc.fund(pay.PkScript(), 2e8) // height 4: reorganised away
	// Height 5: spends coin a; pays the wallet c and spends c again in
	// the same block.
	spendA := wire.NewMsgTx(wire.TxVersion)
	spendA.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: a.TxHash()}, nil, nil))
	spendA.AddTxOut(wire.NewTxOut(1e8, nobody))
	c := wire.NewMsgTx(wire.TxVersion)
	c.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 77}, nil, nil))
	c.AddTxOut(wire.NewTxOut(4e8, pay.PkScript()))
	spendC := wire.NewMsgTx(wire.TxVersion)
	spendC.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: c.TxHash()}, nil, nil))
	spendC.AddTxOut(wire.NewTxOut(4e8, nobody))
	fc.mineTxs(spendA, c, spendC)

	mustSync(t, w, fc)
	if got := w.Balance().Spendable; got != 2e8 {
		t.Fatalf("before reorg: spendable %d, want 2e8", got)
	}

	fc.reorg(3, false)
	fc.mine()
	fc.mine()
	fc.mine()
	tip := mustSync(t, w, fc)
	if tip.Height != 6 {
		t.Fatalf("tip %d, want 6", tip.Height)
	}
	if got := w.Balance().Spendable; got != 1e8 {
		t.Errorf("after reorg: spendable %d, want 1e8 (coin a back, the others gone)", got)
	}

	// The rewound state is what a new process loads.
	w2, err := Open(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	mustSync(t, w2, fc)
	if got := w2.Balance().Spendable; got != 1e8 {
		t.Errorf("reopened: spendable %d, want 1e8", got)
	}
}

func TestDeepReorgRescans(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()

	fc.fund(pay.PkScript(), 1e8) // height 1, below the fork
	for range undoDepth + 20 {
		fc.mine()
	}
	fc.fund(pay.PkScript(), 2e8) // replaced by the reorg
	mustSync(t, w, fc)
	if got := w.Balance().Spendable; got != 3e8 {
		t.Fatalf("spendable %d, want 3e8", got)
	}

	// Fork below the undo window: the wallet rescans from its birthday.
	fc.reorg(5, false)
	for range undoDepth + 30 {
		fc.mine()
	}
	fc.fund(pay.PkScript(), 5e7)
	reads := fc.blockReads()
	tip := mustSync(t, w, fc)
	if got := w.Balance().Spendable; got != 1e8+5e7 {
		t.Errorf("after deep reorg: spendable %d, want 1.5e8", got)
	}
	if n := fc.blockReads() - reads; n != int(tip.Height)+1 {
		t.Errorf("deep reorg read %d blocks, want a rescan of %d", n, tip.Height+1)
	}
}

func TestBirthday(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w, err := Create(filepath.Join(t.TempDir(), "wallet.json"), CreateOptions{Network: "devnet", Mnemonic: testMnemonic, Birthday: 5})
	if err != nil {
		t.Fatal(err)
	}
	if w.Height() != 4 {
		t.Fatalf("new wallet at height %d, want birthday-1", w.Height())
	}
	// Tip below the birthday: nothing to scan.
	mustSync(t, w, fc)
	if w.Height() != 4 {
		t.Fatalf("height %d after syncing a short chain", w.Height())
	}

	fc.fund(w.PaymentKey().PkScript(), 1e8) // height 1: before the birthday
	for range 4 {
		fc.mine()
	}
	fc.fund(w.PaymentKey().PkScript(), 2e8) // height 6
	reads := fc.blockReads()
	mustSync(t, w, fc)
	if n := fc.blockReads() - reads; n != 2 {
		t.Errorf("read %d blocks, want heights 5 and 6", n)
	}
	if got := w.Balance().Spendable; got != 2e8 {
		t.Errorf("spendable %d, want only the coin after the birthday", got)
	}
	// Syncing again is a no-op.
	reads = fc.blockReads()
	mustSync(t, w, fc)
	if n := fc.blockReads() - reads; n != 0 {
		t.Errorf("idle sync read %d blocks", n)
	}
}

func TestCoinbaseMaturity(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	pay := w.PaymentKey()
	fc.mine(wire.NewTxOut(50e8, pay.PkScript())) // height 1
	for fc.mine().Height < 99 {
	}
	mustSync(t, w, fc)
	if got := w.Balance(); got != (Balance{Immature: 50e8}) {
		t.Fatalf("at 99 confirmations: %+v, want all immature", got)
	}
	_, err := w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(1e8, nobody)}, ChangeIndex: AppendChange, FeeRate: 1})
	var short *InsufficientFundsError
	if !asInsufficient(err, &short) || short.Immature != 50e8 || short.Available != 0 {
		t.Fatalf("spending an immature coinbase: %v", err)
	}

	fc.mine() // height 100: the coinbase of height 1 may be spent in block 101
	mustSync(t, w, fc)
	if got := w.Balance(); got != (Balance{Spendable: 50e8}) {
		t.Fatalf("at 100 confirmations: %+v, want spendable", got)
	}
	tx, err := w.BuildTx(TxRequest{From: pay, Outputs: []*wire.TxOut{wire.NewTxOut(1e8, nobody)}, ChangeIndex: AppendChange, FeeRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Send(context.Background(), fc, tx); err != nil {
		t.Fatal(err)
	}
}

func TestWatchChangeRescans(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	fc.fund(w.PaymentKey().PkScript(), 1e8)
	mustSync(t, w, fc)

	// A third owner key: its history is unknown, so the scan starts over.
	data, err := os.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	var f walletFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	f.OwnerKeys = 3
	data, _ = json.Marshal(f)
	if err := os.WriteFile(w.Path(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	w2, err := Open(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if w2.Height() != -1 || w2.Balance() != (Balance{}) {
		t.Fatalf("after adding a key: height %d, %+v; want a fresh scan", w2.Height(), w2.Balance())
	}
	mustSync(t, w2, fc)
	if got := w2.Balance().Spendable; got != 1e8 {
		t.Errorf("rescan found %d, want 1e8", got)
	}
}

func TestSyncWrongNetwork(t *testing.T) {
	w := newTestWallet(t)
	if _, err := w.Sync(context.Background(), newFakeChain(&chaincfg.MainNetParams)); err == nil {
		t.Fatal("regtest wallet synced against a mainnet backend")
	}
}

func TestConcurrentUse(t *testing.T) {
	fc := newFakeChain(&chaincfg.RegressionNetParams)
	w := newTestWallet(t)
	for range 50 {
		fc.fund(w.PaymentKey().PkScript(), 1e6)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				w.Balance()
				w.Height()
			}
		}()
	}
	mustSync(t, w, fc)
	wg.Wait()
	if got := w.Balance().Spendable; got != 50e6 {
		t.Errorf("spendable %d, want 50e6", got)
	}
}
