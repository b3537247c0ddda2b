package wallet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/go-blockstack/go-blockstack/chain"
)

// fakeChain is an in-memory chain.Backend. Blocks are built by the test
// (mine, fund, reorg); SendTx checks every input's script with txscript's
// engine and refuses conflicts with the mempool, as a node would.
type fakeChain struct {
	params *chaincfg.Params

	mu      sync.Mutex
	blocks  []*chain.Block
	mempool map[chainhash.Hash]*wire.MsgTx
	// known holds every transaction ever mined, on any branch, so that a
	// spend's previous output can be found.
	known map[chainhash.Hash]*wire.MsgTx
	// branch makes blocks mined after a reorg differ from the ones they
	// replace.
	branch byte
	// reads counts BlockByHeight calls, to see what a sync scanned.
	reads int
	// sendErr, when set, is what SendTx fails with (without taking the
	// transaction).
	sendErr error
}

var nobody = make([]byte, 25) // a script paying no test key

func newFakeChain(params *chaincfg.Params) *fakeChain {
	f := &fakeChain{
		params:  params,
		mempool: make(map[chainhash.Hash]*wire.MsgTx),
		known:   make(map[chainhash.Hash]*wire.MsgTx),
	}
	f.mine(wire.NewTxOut(50e8, nobody)) // genesis
	return f
}

// mine adds a block whose coinbase has outs (paying nobody if none) and
// which confirms the whole mempool.
func (f *fakeChain) mine(outs ...*wire.TxOut) *chain.Block {
	f.mu.Lock()
	defer f.mu.Unlock()
	txs := []*wire.MsgTx{f.coinbaseLocked(outs)}
	for txid, tx := range f.mempool {
		txs = append(txs, tx)
		delete(f.mempool, txid)
	}
	return f.appendLocked(txs)
}

// mineTxs adds a block with a coinbase paying nobody and txs, which are
// not checked: tests use it to pay the wallet from thin air.
func (f *fakeChain) mineTxs(txs ...*wire.MsgTx) *chain.Block {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.appendLocked(append([]*wire.MsgTx{f.coinbaseLocked(nil)}, txs...))
}

// coinbaseLocked is the next block's coinbase, unique to its height and
// branch.
func (f *fakeChain) coinbaseLocked(outs []*wire.TxOut) *wire.MsgTx {
	height := len(f.blocks)
	cb := wire.NewMsgTx(wire.TxVersion)
	cb.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  []byte{byte(height), byte(height >> 8), byte(height >> 16), f.branch},
		Sequence:         wire.MaxTxInSequenceNum,
	})
	if len(outs) == 0 {
		outs = []*wire.TxOut{wire.NewTxOut(50e8, nobody)}
	}
	for _, o := range outs {
		cb.AddTxOut(o)
	}
	return cb
}

func (f *fakeChain) appendLocked(txs []*wire.MsgTx) *chain.Block {
	height := int64(len(f.blocks))
	hdr := wire.BlockHeader{Version: 1, MerkleRoot: txs[0].TxHash(), Nonce: uint32(height)}
	if height > 0 {
		hdr.PrevBlock = f.blocks[height-1].Hash
	}
	b := &chain.Block{Height: height, Hash: hdr.BlockHash(), Header: hdr, Txs: txs}
	f.blocks = append(f.blocks, b)
	for _, tx := range txs {
		f.known[tx.TxHash()] = tx
	}
	return b
}

// fund mines a block with a transaction paying script each of values.
func (f *fakeChain) fund(script []byte, values ...int64) *wire.MsgTx {
	tx := wire.NewMsgTx(wire.TxVersion)
	// A made-up input, so every funding transaction has its own id.
	f.mu.Lock()
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: uint32(len(f.known))}, nil, nil))
	f.mu.Unlock()
	for _, v := range values {
		tx.AddTxOut(wire.NewTxOut(v, script))
	}
	f.mineTxs(tx)
	return tx
}

// reorg drops the blocks above height so that the next blocks mined form
// a new branch. Their transactions vanish, or with toMempool go back to the
// mempool, as a node does.
func (f *fakeChain) reorg(height int64, toMempool bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if toMempool {
		for _, b := range f.blocks[height+1:] {
			for _, tx := range b.Txs[1:] {
				f.mempool[tx.TxHash()] = tx
			}
		}
	}
	f.blocks = f.blocks[:height+1]
	f.branch++
}

func (f *fakeChain) dropFromMempool(txid chainhash.Hash) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.mempool, txid)
}

func (f *fakeChain) blockReads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// prevOuts returns the outputs tx's inputs spend.
func (f *fakeChain) prevOuts(tx *wire.MsgTx) (map[wire.OutPoint]*wire.TxOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.prevOutsLocked(tx)
}

func (f *fakeChain) prevOutsLocked(tx *wire.MsgTx) (map[wire.OutPoint]*wire.TxOut, error) {
	m := make(map[wire.OutPoint]*wire.TxOut)
	for _, in := range tx.TxIn {
		op := in.PreviousOutPoint
		prev, ok := f.known[op.Hash]
		if !ok || int(op.Index) >= len(prev.TxOut) {
			return nil, fmt.Errorf("unknown output %s", op)
		}
		m[op] = prev.TxOut[op.Index]
	}
	return m, nil
}

// verifyScripts runs every input of tx through txscript's engine.
func verifyScripts(tx *wire.MsgTx, prevOuts map[wire.OutPoint]*wire.TxOut) error {
	fetcher := txscript.NewMultiPrevOutFetcher(prevOuts)
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i, in := range tx.TxIn {
		prev := prevOuts[in.PreviousOutPoint]
		vm, err := txscript.NewEngine(prev.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, prev.Value, fetcher)
		if err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
		if err := vm.Execute(); err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
	}
	return nil
}

func (f *fakeChain) Params() *chaincfg.Params { return f.params }

func (f *fakeChain) Tip(ctx context.Context) (chain.Tip, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.blocks[len(f.blocks)-1]
	return chain.Tip{Height: b.Height, Hash: b.Hash}, nil
}

func (f *fakeChain) BlockHash(ctx context.Context, height int64) (chainhash.Hash, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if height < 0 || height >= int64(len(f.blocks)) {
		return chainhash.Hash{}, fmt.Errorf("block %d: %w", height, chain.ErrNotFound)
	}
	return f.blocks[height].Hash, nil
}

func (f *fakeChain) BlockByHeight(ctx context.Context, height int64) (*chain.Block, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if height < 0 || height >= int64(len(f.blocks)) {
		return nil, fmt.Errorf("block %d: %w", height, chain.ErrNotFound)
	}
	return f.blocks[height], nil
}

func (f *fakeChain) BlockByHash(ctx context.Context, hash chainhash.Hash) (*chain.Block, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.blocks {
		if b.Hash == hash {
			return b, nil
		}
	}
	return nil, fmt.Errorf("block %s: %w", hash, chain.ErrNotFound)
}

func (f *fakeChain) Transaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tx, ok := f.mempool[txid]; ok {
		return tx, nil
	}
	for _, b := range f.blocks {
		for _, tx := range b.Txs {
			if tx.TxHash() == txid {
				return tx, nil
			}
		}
	}
	return nil, fmt.Errorf("tx %s: %w", txid, chain.ErrNotFound)
}

func (f *fakeChain) SendTx(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return chainhash.Hash{}, f.sendErr
	}
	prev, err := f.prevOutsLocked(tx)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("%w: %v", chain.ErrRejected, err)
	}
	if err := verifyScripts(tx, prev); err != nil {
		return chainhash.Hash{}, fmt.Errorf("%w: %v", chain.ErrRejected, err)
	}
	if _, ok := f.mempool[tx.TxHash()]; ok {
		return tx.TxHash(), nil
	}
	for _, other := range f.mempool {
		for _, a := range other.TxIn {
			for _, b := range tx.TxIn {
				if a.PreviousOutPoint == b.PreviousOutPoint {
					return chainhash.Hash{}, fmt.Errorf("%w: conflicts with mempool", chain.ErrRejected)
				}
			}
		}
	}
	f.mempool[tx.TxHash()] = tx
	return tx.TxHash(), nil
}

func (f *fakeChain) SubscribeTips(ctx context.Context) (<-chan chain.Tip, error) {
	tip, err := f.Tip(ctx)
	if err != nil {
		return nil, err
	}
	ch := make(chan chain.Tip, 1)
	ch <- tip
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch, nil
}

var errTimeout = errors.New("timeout")

// newTestWallet creates a mnemonic wallet on regtest in a temporary
// directory.
func newTestWallet(t *testing.T) *Wallet {
	t.Helper()
	w, err := Create(t.TempDir()+"/wallet.json", CreateOptions{Network: "devnet", Mnemonic: testMnemonic, OwnerKeys: 2})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func mustSync(t *testing.T, w *Wallet, b chain.Backend) chain.Tip {
	t.Helper()
	tip, err := w.Sync(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return tip
}
