package bnsgen

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/rules"
)

// firstBlock is where indexing starts; block 0 is an empty genesis.
const firstBlock = 1

// GeneratorVersion changes whenever the same Config gives other bytes;
// callers that keep chain files regenerate them.
const GeneratorVersion = 2

// Options change how Generate works, not what it generates.
type Options struct {
	// Progress, if set, is called after every block.
	Progress func(height, tip int64)
}

// plan is one name operation's transaction before it has inputs.
type plan struct {
	label     string // ByKind key
	valid     bool
	sender    *wallet
	outs      []*wire.TxOut
	change    int     // the sender's change output
	recipient *wallet // receives output 1, or nil
	opcode    byte
	fields    []string // consensus fields after sender, txid, vtxindex
	vtx       int      // position in the block, once built
}

// pendingReg is a registration scheduled by a preorder.
type pendingReg struct {
	label     string // "" for a valid registration, else the invalid kind
	payer     *wallet
	owner     *wallet
	name      *name
	hash      bns.Hash160
	oldStyle  bool
	reserved  bool // owner.reserved counts it
	toCreator bool // the preorder paid a version-2 namespace's creator
}

type gen struct {
	cfg   Config
	net   *bns.Network
	rules rules.Rules
	rng   *rand.Rand
	w     *writer
	h     int64

	consRaw []bns.Hash128 // consensus hash by height
	consHex []string

	payers, owners []*wallet
	wallets        int
	names          map[string]*name
	live           []*name
	released       []*name
	revoked        []*name
	namespaces     []*namespace
	nsByID         map[string]*namespace
	preorders      map[bns.Hash160]int64 // pending preorder hash → block
	due            map[int64][]*pendingReg

	imports, importFrom, importTo int64 // imports to make, in blocks importFrom..importTo
	importsMade                   int64
	importNS                      *namespace

	wantValid, wantInvalid          int
	validDone, validLater           int // emitted; scheduled registrations
	invalidDone, invalidLater       int
	byKind                          map[string]int
	events                          map[string]int
	plans                           []*plan
	fund                            []*wallet
	faucet                          wire.OutPoint
	miner                           []byte
	prev                            chainhash.Hash
	blockValid, blockInvalid        int
	fillFailedValid, fillFailedInvl bool
}

// Generate writes the chain cfg describes to path (through a temporary
// file renamed at the end) and returns what it holds.
func Generate(ctx context.Context, cfg Config, path string, opt Options) (*Meta, error) {
	cfg, net, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	w, err := newWriter(tmp, net.Params)
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, net: net, rules: cfg.Rules, w: w,
		rng:   rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		names: make(map[string]*name), nsByID: make(map[string]*namespace),
		preorders: make(map[bns.Hash160]int64), due: make(map[int64][]*pendingReg),
		byKind: make(map[string]int), events: make(map[string]int)}
	meta, err := g.run(ctx, opt)
	if err != nil {
		w.abort()
		return nil, err
	}
	if err := w.finish(meta); err != nil {
		w.abort()
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	return meta, nil
}

func (g *gen) run(ctx context.Context, opt Options) (*Meta, error) {
	cfg := g.cfg
	g.wantValid = cfg.Ops
	g.wantInvalid = int(float64(cfg.Ops)*cfg.Invalid/(1-cfg.Invalid) + 0.5)
	g.imports = int64(float64(cfg.Ops) * importShare)
	g.importFrom = 4
	g.importTo = g.importFrom + max(1, min(int64(cfg.Blocks)/100, g.rules.NamespaceRevealExpire/2)) - 1
	g.miner = (&wallet{pkh: [20]byte{0xb5}}).script()
	g.consRaw = make([]bns.Hash128, cfg.Blocks+1)
	g.consHex = make([]string, cfg.Blocks+1)

	oracle, err := newIndexerOracle(ctx, g)
	if err != nil {
		return nil, err
	}
	defer oracle.close()
	meta := &Meta{Format: fileVersion, Generator: GeneratorVersion, Config: cfg, FirstBlock: firstBlock, Tip: int64(cfg.Blocks)}

	// Genesis: a coinbase, whose output funds the faucet.
	genesis := g.coinbase(0)
	gb := g.blockOf([]*wire.MsgTx{genesis})
	if err := g.w.writeBlock(gb, []chainhash.Hash{genesis.TxHash()}, 0, 0); err != nil {
		return nil, err
	}
	g.faucet = wire.OutPoint{Hash: genesis.TxHash(), Index: 0}
	g.prev = gb.Header.BlockHash()

	for g.h = firstBlock; g.h <= int64(cfg.Blocks); g.h++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g.decide()
		b, txids, serialized, accepted, rejected := g.build()
		// Written first: the indexer oracle reads senders from it.
		if err := g.w.writeBlock(b, txids, accepted, rejected); err != nil {
			return nil, err
		}
		got, err := oracle.apply(ctx, g, b, accepted, rejected)
		if err != nil {
			return nil, err
		}
		if got.OpsHash != consensus.OpsHash(serialized) {
			meta.ModelMismatches++
		}
		ch := got.ConsensusHash
		raw, err := parseHash128(ch)
		if err != nil {
			return nil, err
		}
		g.consRaw[g.h], g.consHex[g.h] = raw, ch
		g.w.blocks[g.h].consensus = raw
		g.prev = b.Header.BlockHash()
		if opt.Progress != nil {
			opt.Progress(g.h, int64(cfg.Blocks))
		}
	}
	meta.Valid, meta.Invalid = g.validDone, g.invalidDone
	meta.ByKind, meta.Events = g.byKind, g.events
	meta.Transactions = len(g.w.txs)
	meta.Wallets = g.wallets
	for _, n := range g.names {
		if n.state == stRegistered {
			meta.Names++
		}
	}
	return meta, nil
}

func parseHash128(s string) (bns.Hash128, error) {
	var h bns.Hash128
	if len(s) != 32 {
		return h, fmt.Errorf("bnsgen: consensus hash %q", s)
	}
	for i := range h {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return h, fmt.Errorf("bnsgen: consensus hash %q", s)
		}
		h[i] = byte(v)
	}
	return h, nil
}

func (g *gen) fill(b []byte) {
	for i := 0; i < len(b); i += 8 {
		var x [8]byte
		binary.LittleEndian.PutUint64(x[:], g.rng.Uint64())
		copy(b[i:], x[:])
	}
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

// target is how many of total operations should be done after block h:
// a straight line from block 1 to the tip, jittered by up to half a
// block's worth either way so that blocks differ in size.
func (g *gen) target(total int) int {
	if g.h >= int64(g.cfg.Blocks) {
		return total
	}
	per := float64(total) / float64(g.cfg.Blocks)
	return int(float64(total)*float64(g.h)/float64(g.cfg.Blocks) + per*(g.rng.Float64()-0.5))
}

// decide chooses the block's operations in order and applies them to the
// model.
func (g *gen) decide() {
	g.plans, g.fund = g.plans[:0], g.fund[:0]
	g.blockValid, g.blockInvalid = 0, 0
	g.fillFailedValid, g.fillFailedInvl = false, false
	g.setup()

	forced := g.due[g.h]
	delete(g.due, g.h)
	var imports int64
	if g.importNS != nil && g.h >= g.importFrom && g.h <= g.importTo {
		left := g.imports - g.importsMade
		imports = (left + (g.importTo - g.h)) / (g.importTo - g.h + 1) // ceil over the blocks left
	}
	wantV, wantI := g.target(g.wantValid), g.target(g.wantInvalid)
	for {
		nf := int64(len(forced)) + imports
		needV := int64(max(wantV-g.validDone-g.validLater, 0))
		needI := int64(max(wantI-g.invalidDone-g.invalidLater, 0))
		if g.fillFailedValid {
			needV = 0
		}
		if g.fillFailedInvl {
			needI = 0
		}
		if nf+needV+needI == 0 {
			break
		}
		r := g.rng.Int64N(nf + needV + needI)
		switch {
		case r < int64(len(forced)):
			reg := forced[0]
			forced = forced[1:]
			g.register(reg)
		case r < nf:
			imports--
			g.nameImport()
		case r < nf+needV:
			if !g.fillValid() {
				g.fillFailedValid = true
			}
		default:
			if !g.fillInvalid() {
				g.fillFailedInvl = true
			}
		}
	}
	if g.importNS != nil && g.h == g.importTo+1 {
		g.namespaceReady(g.importNS)
	}
}

// setup creates the namespaces: preorders in block 2 (block 1's consensus
// hash is the first there is), reveals in block 3, NAMESPACE_READY in block
// 4, except for the namespace that takes imports, which becomes ready after
// its import blocks.
func (g *gen) setup() {
	switch g.h {
	case 2:
		for _, spec := range namespaceSpecs {
			ns := &namespace{spec: spec, creator: g.newWallet(true), revealer: g.newWallet(true)}
			ns.reveal = bns.NamespaceReveal{NamespaceID: spec.id, Lifetime: spec.lifetime, PriceParams: v1Prices,
				Version: spec.version, Recipient: ns.revealer.address(g)}
			if spec.lifetime == 0 {
				ns.reveal.Lifetime = g.cfg.ShortLifetime
			}
			g.namespaces = append(g.namespaces, ns)
			g.nsByID[spec.id] = ns
			g.namespacePreorder(ns)
		}
	case 3:
		for _, ns := range g.namespaces {
			g.namespaceReveal(ns)
		}
	case 4:
		for _, ns := range g.namespaces {
			if ns.spec.imports && g.imports > 0 {
				g.importNS = ns
				continue
			}
			g.namespaceReady(ns)
		}
	}
}

// freshConsensus is the consensus hash of one of the last
// maxConsensusLag blocks, as a wallet that fetched it a little earlier
// would use.
func (g *gen) freshConsensus() bns.Hash128 {
	if g.h == firstBlock {
		var h bns.Hash128 // there is none yet: only decode failures ask
		g.fill(h[:])
		return h
	}
	lag := 1 + g.rng.Int64N(min(maxConsensusLag, g.h-firstBlock))
	return g.consRaw[g.h-lag]
}

// staleConsensus is the consensus hash of a block just outside the window,
// or random bytes early in the chain.
func (g *gen) staleConsensus() bns.Hash128 {
	if at := g.h - g.rules.ConsensusWindow - 1 - g.rng.Int64N(8); at >= firstBlock {
		return g.consRaw[at]
	}
	var h bns.Hash128
	g.fill(h[:])
	return h
}

func (g *gen) randomValue() bns.Hash160 {
	var h bns.Hash160
	g.fill(h[:])
	return h
}

// freshName invents a name in ns that the chain has never mentioned.
func (g *gen) freshName(ns *namespace) string {
	for {
		n := 3 + g.rng.IntN(6) + g.rng.IntN(6)
		b := make([]byte, 0, n+1+len(ns.spec.id))
		for range n {
			switch r := g.rng.IntN(100); {
			case r < 6:
				b = append(b, byte('0'+g.rng.IntN(10)))
			case r < 7:
				b = append(b, '-')
			case r < 8:
				b = append(b, '_')
			default:
				b = append(b, byte('a'+g.rng.IntN(26)))
			}
		}
		b = append(b, '.')
		b = append(b, ns.spec.id...)
		if len(b) > bns.MaxNameLen {
			continue
		}
		if _, ok := g.names[string(b)]; !ok {
			return string(b)
		}
	}
}

func (g *gen) newName(ns *namespace) *name {
	n := &name{fqn: g.freshName(ns), ns: ns, live: -1, expire: -1}
	g.names[n.fqn] = n
	return n
}

func (g *gen) readyNamespace() *namespace {
	total := 0
	for _, ns := range g.namespaces {
		if ns.ready {
			total += ns.spec.weight
		}
	}
	if total == 0 {
		return nil
	}
	r := g.rng.IntN(total)
	for _, ns := range g.namespaces {
		if ns.ready {
			if r < ns.spec.weight {
				return ns
			}
			r -= ns.spec.weight
		}
	}
	return nil
}

func (g *gen) payer() *wallet {
	if len(g.payers) == 0 || g.chance(newPayerShare) {
		w := g.newWallet(false)
		g.payers = append(g.payers, w)
		return w
	}
	return g.payers[g.rng.IntN(len(g.payers))]
}

// owner returns an address that may receive a name: often a new one,
// sometimes one that already owns names and has room.
func (g *gen) owner(not *wallet) *wallet {
	if len(g.owners) > 0 && g.chance(ownerReuseShare) {
		for range 4 {
			w := g.owners[g.rng.IntN(len(g.owners))]
			if w != not && g.room(w, g.h) {
				return w
			}
		}
	}
	w := g.newWallet(false)
	g.owners = append(g.owners, w)
	return w
}

// anyOwner is an address for operations that are rejected before their
// recipient matters.
func (g *gen) anyOwner() *wallet {
	if len(g.owners) == 0 {
		return g.payer()
	}
	return g.owners[g.rng.IntN(len(g.owners))]
}

// add records a decided operation: the sender pays from its output (the
// block's funding transaction gives one to a wallet that has none), the
// recipient gets output 1.
func (g *gen) add(p *plan) {
	if !p.sender.funded {
		p.sender.funded = true
		g.fund = append(g.fund, p.sender)
	}
	if p.recipient != nil {
		p.recipient.funded = true
	}
	g.plans = append(g.plans, p)
	g.byKind[p.label]++
	if p.valid {
		g.validDone++
		g.blockValid++
	} else {
		g.invalidDone++
		g.blockInvalid++
	}
}

// encode lays out op's outputs.
func (g *gen) encode(op bns.Op) ([]*wire.TxOut, int) {
	l, err := bns.Encode(op, g.net)
	if err != nil {
		panic(fmt.Sprintf("bnsgen: encode %s: %v", op.OpName(), err)) // the generator built it
	}
	return l.Outputs, l.ChangeIndex
}

func (g *gen) valid(op bns.Op, sender, recipient *wallet, fields ...string) *plan {
	outs, change := g.encode(op)
	return &plan{label: op.OpName(), valid: true, sender: sender, outs: outs, change: change,
		recipient: recipient, opcode: op.Opcode(), fields: fields}
}

func (g *gen) invalid(label string, op bns.Op, sender, recipient *wallet) *plan {
	outs, change := g.encode(op)
	return &plan{label: "invalid:" + label, sender: sender, outs: outs, change: change, recipient: recipient}
}

// Namespace operations.

func (g *gen) namespacePreorder(ns *namespace) {
	hash, err := bns.NamespacePreorderHash(ns.spec.id, ns.creator.script(), ns.revealer.address(g))
	if err != nil {
		panic(err)
	}
	fee, err := bns.NamespacePrice(ns.spec.id)
	if err != nil {
		panic(err)
	}
	ch := g.freshConsensus()
	op := &bns.NamespacePreorder{PreorderHash: hash, ConsensusHash: ch, Fee: fee}
	g.add(g.valid(op, ns.creator, nil, hash.String(), ch.String(), itoa(fee), g.net.BurnAddress().EncodeAddress()))
}

func (g *gen) namespaceReveal(ns *namespace) {
	r := &ns.reveal
	ns.revealAt = g.h
	g.add(g.valid(r, ns.creator, ns.revealer, r.NamespaceID, ns.revealer.encoded(g),
		strconv.FormatUint(uint64(r.Lifetime), 10), strconv.Itoa(int(r.Coeff)), strconv.Itoa(int(r.Base)),
		bucketsString(r.Buckets), strconv.Itoa(int(r.NonalphaDiscount)), strconv.Itoa(int(r.NoVowelDiscount)),
		strconv.Itoa(int(r.Version))))
}

func (g *gen) namespaceReady(ns *namespace) {
	g.add(g.valid(&bns.NamespaceReady{NamespaceID: ns.spec.id}, ns.revealer, nil, ns.spec.id))
	ns.ready, ns.readyAt = true, g.h
	// Imported names' lifetimes start now.
	for _, n := range ns.imported {
		n.expire = g.expireBlock(ns, n.last)
		n.touched = g.h
		g.addLive(n)
	}
	ns.imported = nil
}

func (g *gen) nameImport() {
	ns := g.importNS
	var n *name
	if len(ns.imported) > 0 && g.chance(reimport) {
		if x := ns.imported[g.rng.IntN(len(ns.imported))]; x.touched != g.h {
			n = x
			g.events["reimport"]++
		}
	}
	if n == nil {
		n = g.newName(ns)
		n.state = stRegistered
		ns.imported = append(ns.imported, n)
	}
	to := g.newWallet(false)
	g.owners = append(g.owners, to)
	value := g.randomValue()
	op := &bns.NameImport{Name: n.fqn, Recipient: to.address(g), ValueHash: value}
	g.add(g.valid(op, ns.revealer, to, n.fqn, to.encoded(g), value.String()))
	g.setOwner(n, to)
	n.value, n.last, n.expire, n.touched = value.String(), g.h, -1, g.h
	g.importsMade++
}

// Name operations.

// fillValid adds one valid operation, of a kind drawn by weight; when that
// kind is impossible now it tries the others. False: none is possible.
func (g *gen) fillValid() bool {
	kinds := []func() bool{g.preorder, g.update, g.transfer, g.renew, g.revoke}
	weights := []int{weightPreorder, weightUpdate, weightTransfer, weightRenew, weightRevoke}
	total := 0
	for _, w := range weights {
		total += w
	}
	r, first := g.rng.IntN(total), 0
	for i, w := range weights {
		if r < w {
			first = i
			break
		}
		r -= w
	}
	for i := range kinds {
		if kinds[(first+i)%len(kinds)]() {
			return true
		}
	}
	return false
}

// preorder preorders a name (new, or now and then a released one) and
// schedules its registration.
func (g *gen) preorder() bool {
	delay := 1 + g.rng.Int64N(maxRegisterDelay)
	if g.h+delay > int64(g.cfg.Blocks) || g.validDone+g.validLater+2 > g.wantValid {
		return false
	}
	var n *name
	released := len(g.released) > 0 && g.chance(reregisterShare)
	if released {
		i := g.rng.IntN(len(g.released))
		n = g.released[i]
		g.released[i] = g.released[len(g.released)-1]
		g.released = g.released[:len(g.released)-1]
	} else {
		ns := g.readyNamespace()
		if ns == nil {
			return false
		}
		n = g.newName(ns)
	}
	n.state = stPending
	owner := g.owner(nil)
	owner.reserved++
	reg := &pendingReg{name: n, owner: owner, oldStyle: g.chance(oldStyleShare), reserved: true}
	fee := n.ns.price(n)
	if g.chance(0.2) {
		fee += fee / 4 // some pay more than the price
	}
	if !g.namePreorder(reg, fee, g.h+delay, nil) {
		owner.reserved--
		n.state = stDropped
		if released {
			n.state = stReleased
			g.released = append(g.released, n)
		}
		return false
	}
	g.validLater++
	return true
}

// namePreorder adds a valid NAME_PREORDER for reg, paid by any payer but
// avoid, and schedules reg at height due. False if every payer tried
// already has the same preorder pending.
func (g *gen) namePreorder(reg *pendingReg, fee, due int64, avoid *wallet) bool {
	var recipient btcutil.Address
	if !reg.oldStyle {
		recipient = reg.owner.address(g)
	}
	for range 8 {
		if reg.payer = g.payer(); reg.payer == avoid {
			continue
		}
		hash, err := bns.PreorderHash(reg.name.fqn, reg.payer.script(), recipient)
		if err != nil {
			panic(err)
		}
		if at, ok := g.preorders[hash]; ok && !g.rules.PreorderExpired(at, g.h) {
			continue
		}
		reg.hash = hash
		burn := g.feeAddress(reg.name.ns, g.h)
		reg.toCreator = g.toCreator(reg.name.ns, g.h)
		ch := g.freshConsensus()
		op := &bns.NamePreorder{PreorderHash: hash, ConsensusHash: ch, BurnAddress: burn, Fee: fee}
		g.add(g.valid(op, reg.payer, nil, hash.String(), ch.String(), itoa(fee), burn.EncodeAddress()))
		g.preorders[hash] = g.h
		g.due[due] = append(g.due[due], reg)
		return true
	}
	return false
}

// register adds a scheduled registration: valid, or rejected as its label
// says.
func (g *gen) register(reg *pendingReg) {
	n := reg.name
	value := g.randomValue()
	if reg.oldStyle {
		value = bns.Hash160{}
	}
	op := &bns.NameRegistration{Name: n.fqn, ValueHash: value, NameOnly: reg.oldStyle, Recipient: reg.owner.address(g)}
	if reg.reserved {
		reg.owner.reserved--
	}
	n.touched = g.h
	if reg.label != "" {
		g.invalidLater--
		g.add(g.invalid(reg.label, op, reg.payer, reg.owner))
		if n.state == stPending {
			n.state = stDropped
		}
		return
	}
	g.validLater--
	if n.state != stPending || !n.ns.ready || g.rules.QuotaFull(g.owned(reg.owner, g.h)) {
		panic(fmt.Sprintf("bnsgen: block %d: registration of %s would be rejected (model bug)", g.h, n.fqn))
	}
	g.add(g.valid(op, reg.payer, reg.owner, n.fqn, reg.owner.encoded(g), valueHash(value), reg.hash.String()))
	if n.owner != nil {
		g.events["reregistration"]++
	}
	if reg.oldStyle {
		g.events["old-style-registration"]++
	}
	switch {
	case reg.toCreator:
		g.events["fee-to-creator"]++
	case n.ns.reveal.Version == bns.NamespaceVersionPayToCreator:
		g.events["fee-to-burn-after-creator-period"]++
	}
	delete(g.preorders, reg.hash)
	g.setOwner(n, reg.owner)
	n.state, n.value, n.last, n.revoked = stRegistered, valueHash(value), g.h, false
	n.expire = g.expireBlock(n.ns, g.h)
	g.addLive(n)
}

func (g *gen) update() bool {
	n := g.pickLive(g.active)
	if n == nil {
		return false
	}
	ch, value := g.freshConsensus(), g.randomValue()
	op := &bns.NameUpdate{NameConsensusHash: bns.NameConsensusHash(n.fqn, ch), ValueHash: value}
	g.add(g.valid(op, n.owner, nil, n.fqn, ch.String(), valueHash(value)))
	n.value, n.touched = valueHash(value), g.h
	return true
}

func (g *gen) transfer() bool {
	n := g.pickLive(g.active)
	if n == nil {
		return false
	}
	to := g.owner(n.owner)
	keep := g.chance(keepDataShare)
	ch := g.freshConsensus()
	op := &bns.NameTransfer{KeepData: keep, NameHash128: bns.NameHash128(n.fqn), ConsensusHash: ch, Recipient: to.address(g)}
	g.add(g.valid(op, n.owner, to, n.fqn, to.encoded(g), string(op.Disposition()), ch.String()))
	g.setOwner(n, to)
	if !keep {
		n.value = ""
	}
	n.touched = g.h
	return true
}

// renew renews the name closest to expiry among a few live ones (those in
// their grace period included).
func (g *gen) renew() bool {
	var n *name
	for range 4 {
		c := g.pickLive(func(n *name) bool { return !n.revoked })
		if c != nil && (n == nil || c.expire >= 0 && (n.expire < 0 || c.expire < n.expire)) {
			n = c
		}
	}
	if n == nil {
		return false
	}
	owner := n.owner
	to := owner
	if g.chance(renewNewOwner) {
		to = g.owner(owner)
	}
	nameOnly := g.chance(renewNameOnly)
	var value bns.Hash160
	if !nameOnly {
		if g.chance(0.5) {
			value = g.randomValue()
		} else if n.value != "" {
			raw, _ := parseHex20(n.value)
			value = raw
		}
	}
	fee := n.ns.price(n)
	burn := g.feeAddress(n.ns, g.h)
	op := &bns.NameRenewal{NameRegistration: bns.NameRegistration{Name: n.fqn, ValueHash: value, NameOnly: nameOnly,
		Recipient: to.address(g)}, BurnAddress: burn, Fee: fee}
	if !nameOnly {
		n.value = valueHash(value)
	}
	var recipient *wallet
	if to != owner {
		recipient = to
	}
	g.add(g.valid(op, owner, recipient, n.fqn, to.encoded(g), n.value, itoa(fee)))
	if n.expire >= 0 && g.h >= n.expire {
		g.events["renewal-in-grace"]++
	}
	if nameOnly {
		g.events["name-only-renewal"]++
	}
	if to != owner {
		g.events["renewal-new-owner"]++
	}
	if to != owner {
		g.setOwner(n, to)
	}
	n.last, n.touched = g.h, g.h
	n.expire = g.expireBlock(n.ns, g.h)
	return true
}

func parseHex20(s string) (bns.Hash160, error) {
	var h bns.Hash160
	for i := range h {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return h, err
		}
		h[i] = byte(v)
	}
	return h, nil
}

func (g *gen) revoke() bool {
	n := g.pickLive(g.active)
	if n == nil {
		return false
	}
	g.add(g.valid(&bns.NameRevoke{Name: n.fqn}, n.owner, nil, n.fqn))
	n.revoked, n.touched = true, g.h
	g.removeLive(n)
	g.revoked = append(g.revoked, n)
	return true
}

// Invalid operations.

// fillInvalid adds one operation the rules reject (or schedules one: the
// failing registrations come a few blocks after their valid preorders).
func (g *gen) fillInvalid() bool {
	total := 0
	for _, k := range invalidWeights {
		total += k.weight
	}
	r, first := g.rng.IntN(total), 0
	for i, k := range invalidWeights {
		if r < k.weight {
			first = i
			break
		}
		r -= k.weight
	}
	for i := range invalidWeights {
		if g.tryInvalid(invalidWeights[(first+i)%len(invalidWeights)].kind) {
			return true
		}
	}
	return false
}

func (g *gen) tryInvalid(kind string) bool {
	switch kind {
	case invRegisterNoPreorder:
		ns := g.readyNamespace()
		if ns == nil {
			return false
		}
		fqn := g.freshName(ns)
		to := g.anyOwner()
		g.add(g.invalid(kind, &bns.NameRegistration{Name: fqn, ValueHash: g.randomValue(), Recipient: to.address(g)}, g.payer(), to))

	case invUpdateNotOwner:
		n := g.pickLive(func(*name) bool { return true })
		if n == nil {
			return false
		}
		op := &bns.NameUpdate{NameConsensusHash: bns.NameConsensusHash(n.fqn, g.freshConsensus()), ValueHash: g.randomValue()}
		g.add(g.invalid(kind, op, g.payer(), nil))

	case invRevokeNotOwner:
		n := g.pickLive(func(*name) bool { return true })
		if n == nil {
			return false
		}
		g.add(g.invalid(kind, &bns.NameRevoke{Name: n.fqn}, g.payer(), nil))

	case invTransferStale:
		n := g.pickLive(g.active)
		if n == nil {
			return false
		}
		to := g.anyOwner()
		op := &bns.NameTransfer{KeepData: true, NameHash128: bns.NameHash128(n.fqn), ConsensusHash: g.staleConsensus(), Recipient: to.address(g)}
		g.add(g.invalid(kind, op, n.owner, to))
		n.touched = g.h

	case invPreorderStale:
		ns := g.readyNamespace()
		if ns == nil {
			return false
		}
		p := g.payer()
		hash, err := bns.PreorderHash(g.freshName(ns), p.script(), g.anyOwner().address(g))
		if err != nil {
			panic(err)
		}
		op := &bns.NamePreorder{PreorderHash: hash, ConsensusHash: g.staleConsensus(), BurnAddress: g.net.BurnAddress(), Fee: 1_000_000}
		g.add(g.invalid(kind, op, p, nil))

	case invUpdateRevoked:
		if len(g.revoked) == 0 {
			return false
		}
		n := g.revoked[g.rng.IntN(len(g.revoked))]
		if n.touched == g.h {
			return false
		}
		op := &bns.NameUpdate{NameConsensusHash: bns.NameConsensusHash(n.fqn, g.freshConsensus()), ValueHash: g.randomValue()}
		g.add(g.invalid(kind, op, n.owner, nil))
		n.touched = g.h

	case invImportAfterReady:
		var ns *namespace
		for _, x := range g.namespaces {
			if x.ready {
				ns = x
				break
			}
		}
		if ns == nil {
			return false
		}
		to := g.anyOwner()
		op := &bns.NameImport{Name: g.freshName(ns), Recipient: to.address(g), ValueHash: g.randomValue()}
		g.add(g.invalid(kind, op, ns.revealer, to))

	case invAnnounce:
		g.add(g.invalid(kind, &bns.Announce{MessageHash: g.randomValue()}, g.payer(), nil))

	case invBadPayload:
		g.badPayload()

	case invRegisterTaken, invRegisterLowFee, invCollision:
		return g.scheduleInvalid(kind)
	}
	return true
}

// scheduleInvalid preorders (validly) a registration that will fail:
// of a name that is taken, paid too little for, or registered twice in one
// block by two preorderers.
func (g *gen) scheduleInvalid(kind string) bool {
	delay := 1 + g.rng.Int64N(maxRegisterDelay)
	due := g.h + delay
	regs := 1
	if kind == invCollision {
		regs = 2
	}
	if due > int64(g.cfg.Blocks) || g.validDone+g.validLater+regs > g.wantValid {
		return false
	}
	var n *name
	switch kind {
	case invRegisterTaken:
		n = g.pickLive(func(n *name) bool { return !g.rules.Registrable(n.expire, due) })
		if n == nil {
			return false
		}
	default:
		ns := g.readyNamespace()
		if ns == nil {
			return false
		}
		n = g.newName(ns)
		n.state = stPending
	}
	fee := n.ns.price(n)
	if kind == invRegisterLowFee {
		fee = max(fee/2, 1)
		if fee >= n.ns.price(n) {
			n.state = stDropped
			return false
		}
	}
	var first *wallet
	for range regs {
		reg := &pendingReg{label: kind, name: n}
		if kind == invCollision {
			// Both registrations must pass every check but the
			// collision, the quota included.
			reg.owner = g.owner(nil)
			reg.owner.reserved++
			reg.reserved = true
		} else {
			reg.owner = g.anyOwner()
		}
		if !g.namePreorder(reg, fee, due, first) {
			panic("bnsgen: no payer for a preorder")
		}
		first = reg.payer
		g.invalidLater++
	}
	return true
}

// badPayload adds a transaction whose OP_RETURN carries the magic bytes
// but no decodable operation.
func (g *gen) badPayload() {
	magic := g.net.Magic[:]
	random := func(n int) []byte {
		b := make([]byte, n)
		g.fill(b)
		return b
	}
	sender := g.payer()
	var payload []byte
	var outs []*wire.TxOut
	switch g.rng.IntN(6) {
	case 0: // unknown opcode
		payload = append(append(slices.Clone(magic), 'Q'), random(20)...)
	case 1: // truncated NAME_PREORDER
		payload = append(append(slices.Clone(magic), bns.OpcodeNamePreorder), random(30)...)
	case 2: // registration of a name with capitals
		name := make([]byte, bns.MaxNameLen)
		copy(name, "NotAName.id")
		payload = append(append(append(slices.Clone(magic), bns.OpcodeNameRegistration), name...), random(20)...)
	case 3: // transfer with a disposition that is neither '>' nor '~'
		payload = append(append(slices.Clone(magic), bns.OpcodeNameTransfer, 'x'), random(32)...)
	case 4: // reveal with a discount of 0
		p := append(slices.Clone(magic), bns.OpcodeNamespaceReveal, 0, 0, 0xcd, 0x73, 4, 4, 0x65, 0x43, 0x21, 0, 0, 0, 0, 0, 0x00, 0, 1)
		payload = append(p, "brokenns"...)
	case 5: // NAME_PREORDER with four outputs (exactly three allowed)
		var ch bns.Hash128
		g.fill(ch[:])
		op := &bns.NamePreorder{PreorderHash: g.randomValue(), ConsensusHash: ch, BurnAddress: g.net.BurnAddress(), Fee: 50_000}
		o, change := g.encode(op)
		outs = append(o, wire.NewTxOut(bns.DustValue, g.anyOwner().script()))
		g.add(&plan{label: "invalid:" + invBadPayload, sender: sender, outs: outs, change: change})
		return
	}
	script, err := txscript.NullDataScript(payload)
	if err != nil {
		panic(err)
	}
	outs = []*wire.TxOut{wire.NewTxOut(0, script), {}}
	g.add(&plan{label: "invalid:" + invBadPayload, sender: sender, outs: outs, change: 1})
}

// Building.

const (
	changeValue  = 90_000
	fundingValue = 1_000_000
)

// build turns the decided plans into the block: coinbase, the funding
// transaction (if some sender had nothing to spend), the operations with
// filler transactions between them. It returns the block, its txids, the
// accepted operations serialized for the ops hash, and the accepted and
// rejected counts.
func (g *gen) build() (*wire.MsgBlock, []chainhash.Hash, []string, int, int) {
	txs := []*wire.MsgTx{g.coinbase(g.h)}
	txids := []chainhash.Hash{txs[0].TxHash()}
	if len(g.fund) > 0 {
		tx := wire.NewMsgTx(1)
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: g.faucet, SignatureScript: (&wallet{pub: dummySig[:33]}).scriptSig(), Sequence: wire.MaxTxInSequenceNum})
		tx.AddTxOut(wire.NewTxOut(5_000_000_000, g.miner))
		for _, w := range g.fund {
			tx.AddTxOut(wire.NewTxOut(fundingValue, w.script()))
		}
		id := tx.TxHash()
		for i, w := range g.fund {
			w.utxo, w.hasUTXO = wire.OutPoint{Hash: id, Index: uint32(i + 1)}, true
		}
		g.faucet = wire.OutPoint{Hash: id, Index: 0}
		txs, txids = append(txs, tx), append(txids, id)
	}
	var serialized []string
	accepted, rejected := 0, 0
	filler := g.cfg.Filler
	for i := 0; i < len(g.plans) || filler > 0; {
		if filler > 0 && (i == len(g.plans) || g.rng.IntN(len(g.plans)-i+filler) < filler) {
			tx := g.fillerTx()
			txs, txids = append(txs, tx), append(txids, tx.TxHash())
			filler--
			continue
		}
		p := g.plans[i]
		i++
		if !p.sender.hasUTXO {
			panic(fmt.Sprintf("bnsgen: block %d: %s sender has nothing to spend (model bug)", g.h, p.label))
		}
		tx := wire.NewMsgTx(1)
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: p.sender.utxo, SignatureScript: p.sender.scriptSig(), Sequence: wire.MaxTxInSequenceNum})
		p.outs[p.change].PkScript, p.outs[p.change].Value = p.sender.script(), changeValue
		tx.TxOut = p.outs
		id := tx.TxHash()
		vtx := len(txs)
		p.vtx = vtx
		txs, txids = append(txs, tx), append(txids, id)
		if p.recipient != nil {
			p.recipient.utxo, p.recipient.hasUTXO = wire.OutPoint{Hash: id, Index: 1}, true
		}
		p.sender.utxo, p.sender.hasUTXO = wire.OutPoint{Hash: id, Index: uint32(p.change)}, true
		if p.valid {
			fields := append([]string{hexHash(p.sender.script()), id.String(), strconv.Itoa(vtx)}, p.fields...)
			serialized = append(serialized, consensus.SerializeOp(p.opcode, fields...))
			accepted++
		} else {
			rejected++
		}
	}
	return g.blockOf(txs), txids, serialized, accepted, rejected
}

func (g *gen) coinbase(height int64) *wire.MsgTx {
	tx := wire.NewMsgTx(1)
	sig := append([]byte{4}, binary.LittleEndian.AppendUint32(nil, uint32(height))...)
	sig = append(sig, "/bnsgen/"...)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex}, SignatureScript: sig, Sequence: wire.MaxTxInSequenceNum})
	tx.AddTxOut(wire.NewTxOut(625_000_000, g.miner))
	return tx
}

// fillerTx is a plain payment that spends nothing the chain knows about:
// the indexer only has to skip it.
func (g *gen) fillerTx() *wire.MsgTx {
	tx := wire.NewMsgTx(1)
	var prev chainhash.Hash
	g.fill(prev[:])
	w := &wallet{pub: make([]byte, 33)}
	g.fill(w.pub)
	g.fill(w.pkh[:])
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: prev}, SignatureScript: w.scriptSig(), Sequence: wire.MaxTxInSequenceNum})
	tx.AddTxOut(wire.NewTxOut(int64(g.rng.IntN(10_000_000)), w.script()))
	g.fill(w.pkh[:])
	tx.AddTxOut(wire.NewTxOut(int64(g.rng.IntN(10_000_000)), w.script()))
	return tx
}

func (g *gen) blockOf(txs []*wire.MsgTx) *wire.MsgBlock {
	ids := make([]chainhash.Hash, len(txs))
	for i, tx := range txs {
		ids[i] = tx.TxHash()
	}
	b := &wire.MsgBlock{Header: wire.BlockHeader{
		Version: 0x20000000, PrevBlock: g.prev, MerkleRoot: merkleRoot(ids),
		Timestamp: time.Unix(1_500_000_000+g.h*600, 0), Bits: 0x207fffff, Nonce: uint32(g.h),
	}, Transactions: txs}
	return b
}

// merkleRoot is Bitcoin's Merkle root of txids.
func merkleRoot(ids []chainhash.Hash) chainhash.Hash {
	level := slices.Clone(ids)
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := level[:len(level)/2]
		for i := range next {
			var buf [64]byte
			copy(buf[:32], level[2*i][:])
			copy(buf[32:], level[2*i+1][:])
			h := sha256.Sum256(buf[:])
			next[i] = sha256.Sum256(h[:])
		}
		level = next
	}
	return level[0]
}
