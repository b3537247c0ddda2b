package virtualchain_test

// The scenario tests' small DSL: a world is one devchain, one wallet whose
// keys play the roles (namespace creator, reveal address, alice, bob,
// carol), and one indexer with short rules. Each helper sends one real
// transaction; mine puts everything sent into the next block and indexes
// it; accepted and rejected read the outcome from the block's history.

import (
	"context"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/virtualchain"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// scenarioRules are short enough that preorders, reveals, names and grace
// periods run out within a few blocks.
var scenarioRules = rules.Rules{
	PreorderExpire:        10,
	NamespaceRevealExpire: 30,
	PayToCreatorBlocks:    30,
	GracePeriod:           5,
	ConsensusWindow:       24,
	LifetimeMultiplier:    2,
	MaxNamesPerOwner:      3,
}

// scenarioPrices are the namespaces' price function (the example of docs/bns.md, "Prices":
// "alice" costs 40,000 satoshis).
var scenarioPrices = bns.PriceParams{Coeff: 250, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1},
	NonalphaDiscount: 10, NoVowelDiscount: 10}

const (
	// nsPrice is the price of a namespace id of 8 or more characters.
	nsPrice = 4_000_000
	// nsLifetime is the scenarios' namespace lifetime: names live
	// nsLifetime × 2 = 20 blocks.
	nsLifetime = 10
	// coinsPerKey coins of coinValue fund each key: a key can send that
	// many operations in one block (unconfirmed change is not spent).
	coinsPerKey = 3
	coinValue   = 10_000_000
	feeRate     = 2
)

type world struct {
	t     *testing.T
	ctx   context.Context
	chain *devchain.Chain
	wal   *wallet.Wallet
	ix    *virtualchain.Indexer
	db    *namedb.DB

	creator, revealer, alice, bob, carol *wallet.Key

	pending []string         // txids sent since the last block
	minedIn map[string]int64 // txid → block
}

// newWorld opens a devchain whose coinbases mature at once, funds five
// keys and indexes the chain with scenarioRules.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(dir, "chain"), NoSync: true, CoinbaseMaturity: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// Enough mature coinbases for one faucet payment each, and enough
	// blocks that "24 blocks ago" exists.
	if _, err := c.Mine(ctx, 25); err != nil {
		t.Fatal(err)
	}
	wal, err := wallet.Create(filepath.Join(dir, "wallet.json"), wallet.CreateOptions{Network: "devnet", OwnerKeys: 5})
	if err != nil {
		t.Fatal(err)
	}
	ix, db := openIndexer(t, c, scenarioRules)
	keys := wal.OwnerKeys()
	w := &world{t: t, ctx: ctx, chain: c, wal: wal, ix: ix, db: db,
		creator: keys[0], revealer: keys[1], alice: keys[2], bob: keys[3], carol: keys[4],
		minedIn: map[string]int64{}}
	for _, k := range keys {
		for range coinsPerKey {
			if _, err := c.Faucet(ctx, k.Address(), coinValue); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.mine()
	return w
}

// send encodes op, has the wallet pay for it from the key from (the
// operation's sender) and broadcasts it; it returns the txid.
func (w *world) send(from *wallet.Key, op bns.Op) string {
	w.t.Helper()
	layout, err := bns.Encode(op, &bns.DevNet)
	if err != nil {
		w.t.Fatal(err)
	}
	outs := slices.Delete(slices.Clone(layout.Outputs), layout.ChangeIndex, layout.ChangeIndex+1)
	tx, err := w.wal.BuildTx(wallet.TxRequest{From: from, Outputs: outs, ChangeIndex: layout.ChangeIndex, FeeRate: feeRate})
	if err != nil {
		w.t.Fatalf("%s: %v", op.OpName(), err)
	}
	txid, err := w.wal.Send(w.ctx, w.chain, tx)
	if err != nil {
		w.t.Fatalf("%s: %v", op.OpName(), err)
	}
	w.pending = append(w.pending, txid.String())
	return txid.String()
}

// mine mines a block holding what was sent, indexes it and returns its
// height.
func (w *world) mine() int64 {
	w.t.Helper()
	return w.mineN(1)
}

// mineN mines n blocks (the first holds what was sent), indexes them and
// returns the height of the first.
func (w *world) mineN(n int) int64 {
	w.t.Helper()
	first := w.height() + 1
	if _, err := w.chain.Mine(w.ctx, n); err != nil {
		w.t.Fatal(err)
	}
	w.sync()
	for _, txid := range w.pending {
		w.minedIn[txid] = first
	}
	w.pending = nil
	return first
}

// mineTo mines until the next block is at height next.
func (w *world) mineTo(next int64) {
	w.t.Helper()
	if n := next - 1 - w.height(); n > 0 {
		w.mineN(int(n))
	} else if n < 0 {
		w.t.Fatalf("already at %d, past %d", w.height(), next-1)
	}
}

func (w *world) sync() {
	w.t.Helper()
	if _, err := w.ix.Sync(w.ctx); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.wal.Sync(w.ctx, w.chain); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) height() int64 { return w.ix.Height() }

// ch is the consensus hash of the last block, what a client puts into the
// operations that need a fresh one.
func (w *world) ch() bns.Hash128 {
	w.t.Helper()
	return w.chAt(w.height())
}

func (w *world) chAt(height int64) bns.Hash128 {
	w.t.Helper()
	b, err := w.db.BlockAt(w.ctx, height)
	if err != nil {
		w.t.Fatal(err)
	}
	var h bns.Hash128
	raw, err := hex.DecodeString(b.ConsensusHash)
	if err != nil || len(raw) != len(h) {
		w.t.Fatalf("block %d: consensus hash %q", height, b.ConsensusHash)
	}
	copy(h[:], raw)
	return h
}

// entry is the history entry of a mined transaction.
func (w *world) entry(txid string) namedb.HistoryEntry {
	w.t.Helper()
	height, ok := w.minedIn[txid]
	if !ok {
		w.t.Fatalf("tx %s was not mined", txid)
	}
	hist, err := w.db.BlockHistory(w.ctx, height)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, e := range hist {
		if e.Txid == txid {
			return e
		}
	}
	w.t.Fatalf("block %d has no history of tx %s", height, txid)
	return namedb.HistoryEntry{}
}

func (w *world) accepted(txids ...string) {
	w.t.Helper()
	for _, txid := range txids {
		if e := w.entry(txid); !e.Accepted {
			w.t.Fatalf("%s %s (block %d) rejected: %s", e.Op, e.Subject, e.Block, e.Reason)
		}
	}
}

// rejected checks that the transaction was refused by the rule of code,
// with a description containing each of details (the particulars a test
// cares about: an amount, an address).
func (w *world) rejected(txid string, code rules.Code, details ...string) {
	w.t.Helper()
	e := w.entry(txid)
	if e.Accepted {
		w.t.Fatalf("%s %s (block %d) accepted, want rejected (%s)", e.Op, e.Subject, e.Block, code)
	}
	if e.Code != code {
		w.t.Fatalf("%s %s (block %d) rejected with %s (%q), want %s", e.Op, e.Subject, e.Block, e.Code, e.Reason, code)
	}
	for _, d := range details {
		if !strings.Contains(e.Reason, d) {
			w.t.Fatalf("%s %s (block %d) rejected for %q, want it to say %q", e.Op, e.Subject, e.Block, e.Reason, d)
		}
	}
}

// name is a name's current record, nil if none.
func (w *world) name(name string) *namedb.NameRecord {
	w.t.Helper()
	rec, err := w.db.Name(w.ctx, name)
	if errors.Is(err, namedb.ErrNotFound) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return rec
}

// owned checks that name is registered to k, with expire block expire.
func (w *world) owned(name string, k *wallet.Key, expire int64) *namedb.NameRecord {
	w.t.Helper()
	rec := w.name(name)
	switch {
	case rec == nil:
		w.t.Fatalf("%s is not registered", name)
	case rec.Address != k.Address().EncodeAddress():
		w.t.Fatalf("%s is owned by %s, want %s", name, rec.Address, k.Address())
	case rec.ExpireBlock != expire:
		w.t.Fatalf("%s expires at %d, want %d", name, rec.ExpireBlock, expire)
	}
	return rec
}

func (w *world) namespace(id string) *namedb.NamespaceRecord {
	w.t.Helper()
	rec, err := w.db.Namespace(w.ctx, id)
	if errors.Is(err, namedb.ErrNotFound) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return rec
}

func (w *world) namesOf(k *wallet.Key) []string {
	w.t.Helper()
	names, err := w.db.NamesOf(w.ctx, k.Address().EncodeAddress())
	if err != nil {
		w.t.Fatal(err)
	}
	return names
}

// Operations.

func (w *world) preorderNamespace(from *wallet.Key, id string, reveal *wallet.Key, fee int64) string {
	w.t.Helper()
	h, err := bns.NamespacePreorderHash(id, from.PkScript(), reveal.Address())
	if err != nil {
		w.t.Fatal(err)
	}
	return w.send(from, &bns.NamespacePreorder{PreorderHash: h, ConsensusHash: w.ch(), Fee: fee})
}

func (w *world) revealNamespace(from *wallet.Key, id string, reveal *wallet.Key) string {
	w.t.Helper()
	return w.revealWith(from, id, reveal, nsLifetime, bns.NamespaceVersionPayToBurn)
}

func (w *world) revealWith(from *wallet.Key, id string, reveal *wallet.Key, lifetime uint32, version uint16) string {
	w.t.Helper()
	return w.send(from, &bns.NamespaceReveal{NamespaceID: id, Lifetime: lifetime, PriceParams: scenarioPrices,
		Version: version, Recipient: reveal.Address()})
}

func (w *world) ready(from *wallet.Key, id string) string {
	w.t.Helper()
	return w.send(from, &bns.NamespaceReady{NamespaceID: id})
}

func (w *world) importName(from *wallet.Key, name string, to *wallet.Key, value bns.Hash160) string {
	w.t.Helper()
	return w.send(from, &bns.NameImport{Name: name, Recipient: to.Address(), ValueHash: value})
}

// openNamespace preorders, reveals (reveal address: the revealer) and
// readies namespace id; it returns the ready block.
func (w *world) openNamespace(id string) int64 {
	w.t.Helper()
	pre := w.preorderNamespace(w.creator, id, w.revealer, nsPrice)
	w.mine()
	rev := w.revealNamespace(w.creator, id, w.revealer)
	w.mine()
	rdy := w.ready(w.revealer, id)
	readyBlock := w.mine()
	w.accepted(pre, rev, rdy)
	return readyBlock
}

// price is what a name of the scenarios' namespaces costs.
func price(fqn string) int64 {
	name, _, err := bns.SplitName(fqn)
	if err != nil {
		panic(err)
	}
	return scenarioPrices.NamePrice(name)
}

func burn() btcutil.Address { return bns.DevNet.BurnAddress() }

// preorder commits from to name for the recipient to, paying the price to
// the burn address with a fresh consensus hash.
func (w *world) preorder(from *wallet.Key, name string, to *wallet.Key) string {
	w.t.Helper()
	return w.preorderWith(from, name, to.Address(), price(name), burn(), w.ch())
}

// preorderWith commits to name for registerAddr (nil: the old form
// without it), paying fee to payTo, with the consensus hash ch.
func (w *world) preorderWith(from *wallet.Key, name string, registerAddr btcutil.Address, fee int64, payTo btcutil.Address, ch bns.Hash128) string {
	w.t.Helper()
	h, err := bns.PreorderHash(name, from.PkScript(), registerAddr)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.send(from, &bns.NamePreorder{PreorderHash: h, ConsensusHash: ch, BurnAddress: payTo, Fee: fee})
}

func (w *world) register(from *wallet.Key, name string, to *wallet.Key, value bns.Hash160) string {
	w.t.Helper()
	return w.send(from, &bns.NameRegistration{Name: name, ValueHash: value, Recipient: to.Address()})
}

// registerName preorders and registers name for from, in two blocks, and
// returns the registration's block.
func (w *world) registerName(from *wallet.Key, name string, value bns.Hash160) int64 {
	w.t.Helper()
	pre := w.preorder(from, name, from)
	w.mine()
	reg := w.register(from, name, from, value)
	b := w.mine()
	w.accepted(pre, reg)
	return b
}

func (w *world) renew(from *wallet.Key, name string, to *wallet.Key, value bns.Hash160, fee int64) string {
	w.t.Helper()
	return w.send(from, &bns.NameRenewal{NameRegistration: bns.NameRegistration{Name: name, ValueHash: value, Recipient: to.Address()},
		BurnAddress: burn(), Fee: fee})
}

func (w *world) update(from *wallet.Key, name string, value bns.Hash160) string {
	w.t.Helper()
	return w.send(from, &bns.NameUpdate{NameConsensusHash: bns.NameConsensusHash(name, w.ch()), ValueHash: value})
}

func (w *world) transfer(from *wallet.Key, name string, to *wallet.Key, keep bool) string {
	w.t.Helper()
	return w.send(from, &bns.NameTransfer{KeepData: keep, NameHash128: bns.NameHash128(name), ConsensusHash: w.ch(), Recipient: to.Address()})
}

func (w *world) revoke(from *wallet.Key, name string) string {
	w.t.Helper()
	return w.send(from, &bns.NameRevoke{Name: name})
}

// zonefile is a stand-in zone file hash.
func zonefile(s string) bns.Hash160 {
	var h bns.Hash160
	copy(h[:], btcutil.Hash160([]byte(s)))
	return h
}
