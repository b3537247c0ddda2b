package bnsgen

import (
	"encoding/hex"
	"strconv"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/bns"
)

// wallet is an address that sends or receives operations. Its key is only
// real (btcec) where the rules look at it (the namespace creator, whose
// reveal must show its public key); elsewhere the "public key" is 33
// random bytes whose hash160 is the address, which is all the indexer
// checks (transactions are not signed: nothing in BNS verifies
// signatures).
type wallet struct {
	pub  []byte
	pkh  [20]byte
	addr string // encoded, cached

	// funded: the wallet has an output to spend at this point of the
	// generation (decisions); utxo is that output once the block's
	// transactions are built.
	funded  bool
	hasUTXO bool
	utxo    wire.OutPoint

	names    []*name // names whose database record has this owner
	reserved int     // registrations to this owner that are scheduled
}

func (g *gen) newWallet(realKey bool) *wallet {
	w := &wallet{pub: make([]byte, 33)}
	if realKey {
		var seed [32]byte
		g.fill(seed[:])
		_, pub := btcec.PrivKeyFromBytes(seed[:])
		copy(w.pub, pub.SerializeCompressed())
	} else {
		w.pub[0] = 2 + byte(g.rng.IntN(2))
		g.fill(w.pub[1:])
	}
	copy(w.pkh[:], btcutil.Hash160(w.pub))
	g.wallets++
	return w
}

func (w *wallet) script() []byte {
	s := make([]byte, 0, 25)
	s = append(s, txscript.OP_DUP, txscript.OP_HASH160, txscript.OP_DATA_20)
	s = append(s, w.pkh[:]...)
	return append(s, txscript.OP_EQUALVERIFY, txscript.OP_CHECKSIG)
}

func (w *wallet) address(g *gen) btcutil.Address {
	a, err := btcutil.NewAddressPubKeyHash(w.pkh[:], g.net.Params)
	if err != nil {
		panic(err) // the hash has the right length
	}
	return a
}

func (w *wallet) encoded(g *gen) string {
	if w.addr == "" {
		w.addr = w.address(g).EncodeAddress()
	}
	return w.addr
}

// dummySig stands in for a DER signature with its sighash byte.
var dummySig = func() []byte {
	b := make([]byte, 72)
	b[0], b[1], b[71] = 0x30, 69, 0x01
	for i := 2; i < 71; i++ {
		b[i] = byte(i * 37)
	}
	return b
}()

// scriptSig is a P2PKH spend's <sig> <pubkey>: the shape the indexer reads
// the sender's public key from.
func (w *wallet) scriptSig() []byte {
	s := make([]byte, 0, 2+len(dummySig)+len(w.pub))
	s = append(s, byte(len(dummySig)))
	s = append(s, dummySig...)
	s = append(s, byte(len(w.pub)))
	return append(s, w.pub...)
}

// Name states.
const (
	stPending    = iota + 1 // a registration is scheduled
	stRegistered            // registered or imported (revoked ones too)
	stReleased              // expired past its grace period: anyone may register it
	stDropped               // its registrations failed (collision, low fee); never registered
)

// name is the generator's copy of a name's database record, as far as the
// rules need it.
type name struct {
	fqn     string
	ns      *namespace
	owner   *wallet
	value   string // the record's value_hash: lowercase hex, "" for none
	expire  int64  // -1: never (or an import before its namespace is ready)
	last    int64  // last registration, renewal or import
	revoked bool
	state   uint8
	live    int   // index in gen.live, -1 when not there
	touched int64 // last block an operation named it
}

func (n *name) part() string {
	name, _, _ := bns.SplitName(n.fqn)
	return name
}

// namespace is the generator's copy of a namespace record.
type namespace struct {
	spec     nsSpec
	reveal   bns.NamespaceReveal
	creator  *wallet // sends the preorder and the reveal
	revealer *wallet // the reveal address: imports and NAMESPACE_READY
	revealAt int64
	readyAt  int64
	ready    bool
	imported []*name
}

func (ns *namespace) price(n *name) int64 { return ns.reveal.NamePrice(n.part()) }

func (g *gen) expireBlock(ns *namespace, lastRenewed int64) int64 {
	return g.rules.ExpireBlock(ns.reveal.Lifetime, ns.readyAt, lastRenewed)
}

// feeAddress is where a name fee paid at height must go: the block of the
// preorder for a registration, of the renewal itself for a renewal.
func (g *gen) feeAddress(ns *namespace, paidAt int64) btcutil.Address {
	if g.toCreator(ns, paidAt) {
		return ns.creator.address(g)
	}
	return g.net.BurnAddress()
}

func (g *gen) toCreator(ns *namespace, paidAt int64) bool {
	return g.rules.PaysCreator(ns.reveal.Version, ns.revealAt, paidAt)
}

// owned counts w's names as the quota does: every record with w as owner
// that is neither revoked nor past its grace period.
func (g *gen) owned(w *wallet, height int64) int {
	n := 0
	for _, nm := range w.names {
		if g.rules.CountsTowardQuota(nm.revoked, nm.expire, height) {
			n++
		}
	}
	return n
}

// room reports whether w may receive one more name, counting the
// registrations scheduled for it.
func (g *gen) room(w *wallet, height int64) bool {
	return !g.rules.QuotaFull(g.owned(w, height) + w.reserved)
}

func (g *gen) setOwner(n *name, w *wallet) {
	if old := n.owner; old != nil {
		for i, x := range old.names {
			if x == n {
				old.names[i] = old.names[len(old.names)-1]
				old.names = old.names[:len(old.names)-1]
				break
			}
		}
	}
	n.owner = w
	w.names = append(w.names, n)
}

func (g *gen) addLive(n *name) {
	n.live = len(g.live)
	g.live = append(g.live, n)
}

func (g *gen) removeLive(n *name) {
	if n.live < 0 {
		return
	}
	last := g.live[len(g.live)-1]
	g.live[n.live], last.live = last, n.live
	g.live = g.live[:len(g.live)-1]
	n.live = -1
}

// pickLive returns a random registered name that no operation of this
// block names yet and that ok accepts, or nil. Names found past their
// grace period leave the live set for the released pool on the way.
func (g *gen) pickLive(ok func(*name) bool) *name {
	for range 16 {
		if len(g.live) == 0 {
			return nil
		}
		n := g.live[g.rng.IntN(len(g.live))]
		if g.rules.Registrable(n.expire, g.h) {
			g.removeLive(n)
			n.state = stReleased
			g.released = append(g.released, n)
			g.events["released"]++
			continue
		}
		if n.touched == g.h || !ok(n) {
			continue
		}
		return n
	}
	return nil
}

// active: the owner may update, transfer or revoke it.
func (g *gen) active(n *name) bool {
	return !n.revoked && (n.expire < 0 || g.h < n.expire)
}

// Helpers for the consensus fields the generator passes to valid(): what
// virtualchain's SerializeOp commits to after the common fields (sender,
// txid, vtxindex), per operation, as virtualchain/ops.go builds them. Only
// the model oracle depends on them; the tests compare its consensus hashes
// with the indexer's at every block.

func hexHash(h []byte) string { return hex.EncodeToString(h) }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// valueHash mirrors virtualchain: the zero hash means no value hash.
func valueHash(h bns.Hash160) string {
	if h == (bns.Hash160{}) {
		return ""
	}
	return h.String()
}

func bucketsString(b [16]uint8) string {
	out := make([]byte, 0, 16)
	for _, x := range b {
		out = append(out, "0123456789abcdef"[x&0xf])
	}
	return string(out)
}
