package virtualchain

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

// reject is the rules' refusal of an operation: a *rules.RuleError, whose
// code and description go into the history.
func reject(code rules.Code, format string, args ...any) error {
	return &rules.RuleError{Code: code, Description: fmt.Sprintf(format, args...)}
}

// accepted is an operation that passed its checks against the state: what
// it claims (for collisions), how to apply it, and what the consensus hash
// commits to.
type accepted struct {
	subject string // the name, namespace id or preorder hash
	claim   string // what no other operation of the block may also claim; "" none
	fields  []string
	apply   func() (record any, err error)
}

// opContext is one decoded operation with where it was found, and its
// sender's script (hex) and address, which the rules compare several times
// an operation: made once, by newOpContext on the read-ahead goroutine.
type opContext struct {
	d          *bns.Decoded
	txid       string
	vtxindex   int
	senderHex  string
	senderAddr string
}

func newOpContext(d *bns.Decoded, txid string, vtxindex int) opContext {
	o := opContext{d: d, txid: txid, vtxindex: vtxindex, senderHex: hex.EncodeToString(d.Sender)}
	if d.SenderAddress != nil {
		o.senderAddr = d.SenderAddress.EncodeAddress()
	}
	return o
}

func (o opContext) sender() string        { return o.senderHex }
func (o opContext) senderAddress() string { return o.senderAddr }

// common are the fields every serialized operation starts with.
func (o opContext) common() []string {
	return []string{o.sender(), o.txid, strconv.Itoa(o.vtxindex)}
}

// blockState checks operations of one block against the name database as
// the block's earlier operations left it.
type blockState struct {
	rules  rules.Rules
	net    *bns.Network
	tx     *namedb.Tx
	height int64
	// fresh are the consensus hashes an operation may carry: the last
	// ConsensusWindow blocks'.
	fresh map[string]bool
	// freshList is the same, newest first, for NAME_UPDATE's search.
	freshList []string
	// outcomes are the block's operations so far, accepted or not.
	outcomes []opOutcome
}

// addHistory writes an operation's history entry and notes its outcome.
func (s *blockState) addHistory(h namedb.HistoryEntry) error {
	s.outcomes = append(s.outcomes, opOutcome{op: h.Op, accepted: h.Accepted})
	return s.tx.AddHistory(h)
}

// check runs the rules for one operation. A *rules.RuleError is the rules'
// refusal; any other error is the database failing.
func (s *blockState) check(o opContext) (*accepted, error) {
	switch op := o.d.Op.(type) {
	case *bns.NamespacePreorder:
		return s.preorder(o, op.PreorderHash, op.ConsensusHash, op.Fee, s.net.BurnAddress(), true)
	case *bns.NamePreorder:
		if err := s.quota(o.senderAddress()); err != nil {
			return nil, err
		}
		return s.preorder(o, op.PreorderHash, op.ConsensusHash, op.Fee, op.BurnAddress, false)
	case *bns.NamespaceReveal:
		return s.namespaceReveal(o, op)
	case *bns.NameImport:
		return s.nameImport(o, op)
	case *bns.NamespaceReady:
		return s.namespaceReady(o, op)
	case *bns.NameRegistration:
		return s.nameRegistration(o, op)
	case *bns.NameRenewal:
		return s.nameRenewal(o, op)
	case *bns.NameUpdate:
		return s.nameUpdate(o, op)
	case *bns.NameTransfer:
		return s.nameTransfer(o, op)
	case *bns.NameRevoke:
		return s.nameRevoke(o, op)
	case *bns.Announce:
		return nil, reject(rules.ErrAnnounceUntrusted, "ANNOUNCE is not accepted: this node trusts no announcers")
	}
	return nil, fmt.Errorf("no rules for %T", o.d.Op)
}

func (s *blockState) freshConsensus(ch bns.Hash128) error {
	if !s.fresh[ch.String()] {
		return reject(rules.ErrStaleConsensusHash, "consensus hash %s is not one of the last %d blocks'", ch, s.rules.ConsensusWindow)
	}
	return nil
}

// quota refuses an owner that already has the most names allowed.
func (s *blockState) quota(address string) error {
	n, err := s.tx.NamesOwned(address, func(revoked bool, expireBlock int64) bool {
		return s.rules.CountsTowardQuota(revoked, expireBlock, s.height)
	})
	if err != nil {
		return err
	}
	if s.rules.QuotaFull(n) {
		return reject(rules.ErrQuota, "%s already owns %d names (the most allowed)", address, n)
	}
	return nil
}

// pendingPreorder returns the unexpired preorder of hash, or nil.
func (s *blockState) pendingPreorder(hash string) (*namedb.Preorder, error) {
	p, err := s.tx.Preorder(hash)
	if err != nil || p == nil {
		return nil, err
	}
	if s.rules.PreorderExpired(p.Block, s.height) {
		return nil, nil
	}
	return p, nil
}

func (s *blockState) preorder(o opContext, hash bns.Hash160, ch bns.Hash128, fee int64, burnAddr btcutil.Address, namespace bool) (*accepted, error) {
	if err := s.freshConsensus(ch); err != nil {
		return nil, err
	}
	p, err := s.pendingPreorder(hash.String())
	if err != nil {
		return nil, err
	}
	if p != nil {
		return nil, reject(rules.ErrPreorderPending, "preorder %s is already pending (block %d)", hash, p.Block)
	}
	rec := &namedb.Preorder{
		PreorderHash: hash.String(), Namespace: namespace, Address: o.senderAddress(), Sender: o.sender(),
		Burn: fee, BurnAddress: burnAddr.EncodeAddress(), ConsensusHash: ch.String(),
		Block: s.height, Txid: o.txid, Vtxindex: o.vtxindex,
	}
	return &accepted{
		subject: rec.PreorderHash,
		claim:   "preorder:" + rec.PreorderHash,
		fields:  append(o.common(), rec.PreorderHash, rec.ConsensusHash, strconv.FormatInt(fee, 10), rec.BurnAddress),
		apply:   func() (any, error) { return rec, s.tx.PutPreorder(rec) },
	}, nil
}

func (s *blockState) namespaceReveal(o opContext, op *bns.NamespaceReveal) (*accepted, error) {
	if o.d.SenderPubKey == nil {
		return nil, reject(rules.ErrRevealerKey, "the sender of a NAMESPACE_REVEAL must be a P2PKH address whose key the input reveals")
	}
	id := op.NamespaceID
	ns, err := s.tx.Namespace(id)
	if err != nil {
		return nil, err
	}
	if ns != nil && ns.Ready {
		return nil, reject(rules.ErrNamespaceReady, "namespace %s is already ready (block %d)", id, ns.ReadyBlock)
	}
	if ns != nil && !s.rules.RevealLapsed(ns.RevealBlock, s.height) {
		return nil, reject(rules.ErrNamespaceRevealed, "namespace %s is already revealed (block %d)", id, ns.RevealBlock)
	}
	hash, err := bns.NamespacePreorderHash(id, o.d.Sender, op.Recipient)
	if err != nil {
		return nil, reject(rules.ErrInvalidName, "preorder hash of %s: %v", id, err)
	}
	p, err := s.pendingPreorder(hash.String())
	if err != nil {
		return nil, err
	}
	if p == nil || !p.Namespace || p.Sender != o.sender() {
		return nil, reject(rules.ErrNoPreorder, "no pending NAMESPACE_PREORDER %s by this sender for namespace %s", hash, id)
	}
	price, err := bns.NamespacePrice(id)
	if err != nil {
		return nil, reject(rules.ErrInvalidName, "namespace %s: %v", id, err)
	}
	if p.Burn < price {
		return nil, reject(rules.ErrFeeTooLow, "namespace %s costs %d satoshis; its preorder burned %d", id, price, p.Burn)
	}
	rec := &namedb.NamespaceRecord{
		NamespaceID: id, Address: o.senderAddress(), Sender: o.sender(),
		RecipientAddress: op.Recipient.EncodeAddress(), Recipient: scriptHex(op.Recipient),
		PreorderHash: p.PreorderHash, PreorderBlock: p.Block, RevealBlock: s.height,
		Lifetime: op.Lifetime, Coeff: op.Coeff, Base: op.Base, Buckets: op.Buckets,
		NonalphaDiscount: op.NonalphaDiscount, NoVowelDiscount: op.NoVowelDiscount, Version: op.Version,
		Burn: p.Burn, Op: op.OpName(), Txid: o.txid, Vtxindex: o.vtxindex, BlockNumber: s.height,
	}
	return &accepted{
		subject: id,
		claim:   "namespace:" + id,
		fields: append(o.common(), id, rec.RecipientAddress, strconv.FormatUint(uint64(op.Lifetime), 10),
			strconv.Itoa(int(op.Coeff)), strconv.Itoa(int(op.Base)), bucketsString(op.Buckets),
			strconv.Itoa(int(op.NonalphaDiscount)), strconv.Itoa(int(op.NoVowelDiscount)), strconv.Itoa(int(op.Version))),
		apply: func() (any, error) {
			if err := s.tx.DeletePreorder(p.PreorderHash); err != nil {
				return nil, err
			}
			// ns != nil: an earlier reveal of this id lapsed without
			// becoming ready (checked above). Its imports were that
			// revealer's and must not come to life when this one readies
			// the namespace (READY dates every name in it).
			if ns != nil {
				old, err := s.tx.NamesIn(id)
				if err != nil {
					return nil, err
				}
				for _, n := range old {
					if err := s.tx.DeleteName(n.Name); err != nil {
						return nil, err
					}
				}
			}
			return rec, s.tx.PutNamespace(rec)
		},
	}, nil
}

// revealedNamespace returns the namespace of id if it is revealed, not
// ready and not lapsed, and the operation comes from its reveal address.
func (s *blockState) revealedNamespace(o opContext, id string) (*namedb.NamespaceRecord, error) {
	ns, err := s.tx.Namespace(id)
	if err != nil {
		return nil, err
	}
	switch {
	case ns == nil:
		return nil, reject(rules.ErrNamespaceNotRevealed, "namespace %s is not revealed", id)
	case ns.Ready:
		return nil, reject(rules.ErrNamespaceReady, "namespace %s is already ready", id)
	case s.rules.RevealLapsed(ns.RevealBlock, s.height):
		return nil, reject(rules.ErrNamespaceLapsed, "namespace %s lapsed: not made ready within %d blocks of its reveal", id, s.rules.NamespaceRevealExpire)
	case ns.Recipient != o.sender():
		return nil, reject(rules.ErrNotRevealer, "only the reveal address %s may import into or ready namespace %s", ns.RecipientAddress, id)
	}
	return ns, nil
}

func (s *blockState) nameImport(o opContext, op *bns.NameImport) (*accepted, error) {
	_, nsID, err := bns.SplitName(op.Name)
	if err != nil {
		return nil, reject(rules.ErrInvalidName, "%v", err)
	}
	if _, err := s.revealedNamespace(o, nsID); err != nil {
		return nil, err
	}
	rec := &namedb.NameRecord{
		Name: op.Name, NamespaceID: nsID, Address: op.Recipient.EncodeAddress(), Sender: scriptHex(op.Recipient),
		ValueHash: op.ValueHash.String(), FirstRegistered: s.height, LastRenewed: s.height,
		ExpireBlock: -1, // dated when the namespace becomes ready
		Imported:    true, Op: op.OpName(), Txid: o.txid, Vtxindex: o.vtxindex, BlockNumber: s.height,
	}
	return &accepted{
		subject: op.Name,
		fields:  append(o.common(), op.Name, rec.Address, rec.ValueHash),
		apply:   func() (any, error) { return rec, s.putNameWithZonefile(rec, o) },
	}, nil
}

func (s *blockState) namespaceReady(o opContext, op *bns.NamespaceReady) (*accepted, error) {
	ns, err := s.revealedNamespace(o, op.NamespaceID)
	if err != nil {
		return nil, err
	}
	return &accepted{
		subject: ns.NamespaceID,
		claim:   "namespace:" + ns.NamespaceID,
		fields:  append(o.common(), ns.NamespaceID),
		apply: func() (any, error) {
			rec := *ns
			rec.Ready, rec.ReadyBlock = true, s.height
			rec.Op, rec.Txid, rec.Vtxindex, rec.BlockNumber = op.OpName(), o.txid, o.vtxindex, s.height
			if err := s.tx.PutNamespace(&rec); err != nil {
				return nil, err
			}
			// Imported names' lifetimes start now.
			names, err := s.tx.NamesIn(ns.NamespaceID)
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				n.ExpireBlock = s.rules.ExpireBlock(rec.Lifetime, s.height, n.LastRenewed)
				if err := s.tx.PutName(n); err != nil {
					return nil, err
				}
			}
			return &rec, nil
		},
	}, nil
}

// readyNamespace returns the ready namespace of a name.
func (s *blockState) readyNamespace(name string) (*namedb.NamespaceRecord, error) {
	_, nsID, err := bns.SplitName(name)
	if err != nil {
		return nil, reject(rules.ErrInvalidName, "%v", err)
	}
	ns, err := s.tx.Namespace(nsID)
	if err != nil {
		return nil, err
	}
	if ns == nil || !ns.Ready {
		return nil, reject(rules.ErrNamespaceNotReady, "namespace %s is not ready", nsID)
	}
	return ns, nil
}

// checkFee checks a name fee (registration or renewal) against the price
// and the address it must go to (rules.PaysCreator): the burn address, or
// the namespace's creator. paidAt is the block of the transaction that
// paid: the preorder's for a registration, the renewal's own.
func (s *blockState) checkFee(ns *namedb.NamespaceRecord, name string, fee int64, paidTo string, paidAt int64) error {
	price := priceParams(ns).NamePrice(nameOnly(name))
	if fee < price {
		return reject(rules.ErrFeeTooLow, "%s costs %d satoshis; %d paid", name, price, fee)
	}
	want := s.net.BurnAddress().EncodeAddress()
	if s.rules.PaysCreator(ns.Version, ns.RevealBlock, paidAt) {
		want = ns.Address
	}
	if paidTo != want {
		return reject(rules.ErrFeeAddress, "the fee for %s must go to %s, not %s", name, want, paidTo)
	}
	return nil
}

// registrable reports whether name may be registered anew at this block.
func (s *blockState) registrable(name string) (*namedb.NameRecord, error) {
	cur, err := s.tx.Name(name)
	if err != nil {
		return nil, err
	}
	if cur != nil && !s.rules.Registrable(cur.ExpireBlock, s.height) {
		return nil, reject(rules.ErrNameTaken, "name %s is already registered (owner %s)", name, cur.Address)
	}
	return cur, nil
}

func (s *blockState) nameRegistration(o opContext, op *bns.NameRegistration) (*accepted, error) {
	if op.Recipient == nil {
		return nil, reject(rules.ErrNoRecipient, "registration of %s has no recipient output", op.Name)
	}
	ns, err := s.readyNamespace(op.Name)
	if err != nil {
		return nil, err
	}
	if _, err := s.registrable(op.Name); err != nil {
		return nil, err
	}
	// The preorder committed to the name, the sender's script and (in
	// preorders since 2017) the recipient; older ones omitted it.
	var p *namedb.Preorder
	for _, recipient := range []btcutil.Address{op.Recipient, nil} {
		hash, err := bns.PreorderHash(op.Name, o.d.Sender, recipient)
		if err != nil {
			return nil, reject(rules.ErrInvalidName, "preorder hash of %s: %v", op.Name, err)
		}
		if p, err = s.pendingPreorder(hash.String()); err != nil {
			return nil, err
		}
		if p != nil && !p.Namespace && p.Sender == o.sender() && p.Block < s.height {
			break
		}
		p = nil
	}
	if p == nil {
		return nil, reject(rules.ErrNoPreorder, "no pending NAME_PREORDER by this sender from an earlier block commits to %s", op.Name)
	}
	// Blockstack v1 (register.py check_register) refuses a preorder sent
	// before the namespace was ready: it could not have been checked
	// against the names the creator was still importing.
	if p.Block < ns.ReadyBlock {
		return nil, reject(rules.ErrPreorderBeforeReady, "the preorder of %s (block %d) is older than namespace %s (ready at block %d)",
			op.Name, p.Block, ns.NamespaceID, ns.ReadyBlock)
	}
	if err := s.checkFee(ns, op.Name, p.Burn, p.BurnAddress, p.Block); err != nil {
		return nil, err
	}
	recipient := op.Recipient.EncodeAddress()
	if err := s.quota(recipient); err != nil {
		return nil, err
	}
	rec := &namedb.NameRecord{
		Name: op.Name, NamespaceID: ns.NamespaceID, Address: recipient, Sender: scriptHex(op.Recipient),
		ValueHash: valueHash(op.ValueHash), PreorderHash: p.PreorderHash,
		FirstRegistered: s.height, LastRenewed: s.height,
		ExpireBlock: s.rules.ExpireBlock(ns.Lifetime, ns.ReadyBlock, s.height),
		Op:          op.OpName(), Txid: o.txid, Vtxindex: o.vtxindex, BlockNumber: s.height,
	}
	return &accepted{
		subject: op.Name,
		claim:   "name:" + op.Name,
		fields:  append(o.common(), op.Name, recipient, rec.ValueHash, p.PreorderHash),
		apply: func() (any, error) {
			if err := s.tx.DeletePreorder(p.PreorderHash); err != nil {
				return nil, err
			}
			return rec, s.putNameWithZonefile(rec, o)
		},
	}, nil
}

// owned returns name's record if the sender owns it and it may still
// change: not revoked and (unless inGrace) not expired.
func (s *blockState) owned(o opContext, name string, inGrace bool) (*namedb.NameRecord, error) {
	cur, err := s.tx.Name(name)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, reject(rules.ErrNameNotRegistered, "name %s is not registered", name)
	}
	if cur.Sender != o.sender() {
		return nil, reject(rules.ErrNotOwner, "name %s is owned by %s, not the sender %s", name, cur.Address, o.senderAddress())
	}
	switch s.rules.NameState(cur.Revoked, cur.ExpireBlock, s.height) {
	case rules.Revoked:
		return nil, reject(rules.ErrRevoked, "name %s is revoked", name)
	case rules.Expired:
		return nil, reject(rules.ErrExpired, "name %s expired at block %d and its grace period is over", name, cur.ExpireBlock)
	case rules.InGrace:
		if !inGrace {
			return nil, reject(rules.ErrInGrace, "name %s expired at block %d (in its grace period only renewal is allowed)", name, cur.ExpireBlock)
		}
	}
	return cur, nil
}

func (s *blockState) nameRenewal(o opContext, op *bns.NameRenewal) (*accepted, error) {
	cur, err := s.tx.Name(op.Name)
	if err != nil {
		return nil, err
	}
	if cur == nil || cur.Sender != o.sender() {
		// Not the sender's name: as Blockstack v1, a registration that
		// happens to carry a fee output.
		return s.nameRegistration(o, &op.NameRegistration)
	}
	if _, err := s.owned(o, op.Name, true); err != nil {
		return nil, err
	}
	ns, err := s.readyNamespace(op.Name)
	if err != nil {
		return nil, err
	}
	if err := s.checkFee(ns, op.Name, op.Fee, op.BurnAddress.EncodeAddress(), s.height); err != nil {
		return nil, err
	}
	recipient := op.Recipient.EncodeAddress()
	if recipient != cur.Address {
		if err := s.quota(recipient); err != nil {
			return nil, err
		}
	}
	rec := *cur
	rec.Address, rec.Sender = recipient, scriptHex(op.Recipient)
	if !op.NameOnly {
		rec.ValueHash = valueHash(op.ValueHash)
	}
	rec.LastRenewed = s.height
	rec.ExpireBlock = s.rules.ExpireBlock(ns.Lifetime, ns.ReadyBlock, s.height)
	rec.Op, rec.Txid, rec.Vtxindex, rec.BlockNumber = op.OpName(), o.txid, o.vtxindex, s.height
	return &accepted{
		subject: op.Name,
		fields:  append(o.common(), op.Name, recipient, rec.ValueHash, strconv.FormatInt(op.Fee, 10)),
		apply: func() (any, error) {
			if op.NameOnly {
				return &rec, s.tx.PutName(&rec)
			}
			return &rec, s.putNameWithZonefile(&rec, o)
		},
	}, nil
}

func (s *blockState) nameUpdate(o opContext, op *bns.NameUpdate) (*accepted, error) {
	names, err := s.tx.NamesOwnedBy(o.senderAddress())
	if err != nil {
		return nil, err
	}
	name, ch := "", ""
search:
	for _, n := range names {
		for _, c := range s.freshList {
			var h bns.Hash128
			raw, _ := hex.DecodeString(c)
			copy(h[:], raw)
			if bns.NameConsensusHash(n, h) == op.NameConsensusHash {
				name, ch = n, c
				break search
			}
		}
	}
	if name == "" {
		return nil, reject(rules.ErrNoMatchingName, "name consensus hash %s matches no name of the sender with a recent consensus hash", op.NameConsensusHash)
	}
	cur, err := s.owned(o, name, false)
	if err != nil {
		return nil, err
	}
	rec := *cur
	rec.ValueHash = valueHash(op.ValueHash)
	rec.Op, rec.Txid, rec.Vtxindex, rec.BlockNumber = op.OpName(), o.txid, o.vtxindex, s.height
	return &accepted{
		subject: name,
		fields:  append(o.common(), name, ch, rec.ValueHash),
		apply:   func() (any, error) { return &rec, s.putNameWithZonefile(&rec, o) },
	}, nil
}

func (s *blockState) nameTransfer(o opContext, op *bns.NameTransfer) (*accepted, error) {
	if err := s.freshConsensus(op.ConsensusHash); err != nil {
		return nil, err
	}
	names, err := s.tx.NamesOwnedBy(o.senderAddress())
	if err != nil {
		return nil, err
	}
	name := ""
	for _, n := range names {
		if bns.NameHash128(n) == op.NameHash128 {
			name = n
			break
		}
	}
	if name == "" {
		return nil, reject(rules.ErrNoMatchingName, "name hash %s matches no name of the sender %s", op.NameHash128, o.senderAddress())
	}
	cur, err := s.owned(o, name, false)
	if err != nil {
		return nil, err
	}
	recipient := op.Recipient.EncodeAddress()
	if recipient == cur.Address {
		return nil, reject(rules.ErrTransferToOwner, "transfer of %s to its own owner", name)
	}
	if err := s.quota(recipient); err != nil {
		return nil, err
	}
	rec := *cur
	rec.Address, rec.Sender = recipient, scriptHex(op.Recipient)
	if !op.KeepData {
		rec.ValueHash = ""
	}
	rec.Op, rec.Txid, rec.Vtxindex, rec.BlockNumber = op.OpName(), o.txid, o.vtxindex, s.height
	return &accepted{
		subject: name,
		fields:  append(o.common(), name, recipient, string(op.Disposition()), op.ConsensusHash.String()),
		apply:   func() (any, error) { return &rec, s.tx.PutName(&rec) },
	}, nil
}

func (s *blockState) nameRevoke(o opContext, op *bns.NameRevoke) (*accepted, error) {
	cur, err := s.owned(o, op.Name, false)
	if err != nil {
		return nil, err
	}
	rec := *cur
	rec.Revoked = true
	rec.Op, rec.Txid, rec.Vtxindex, rec.BlockNumber = op.OpName(), o.txid, o.vtxindex, s.height
	return &accepted{
		subject: op.Name,
		fields:  append(o.common(), op.Name),
		apply:   func() (any, error) { return &rec, s.tx.PutName(&rec) },
	}, nil
}

// putNameWithZonefile writes a name whose operation names a zone file hash,
// and appends that hash to the inventory Atlas replicates.
func (s *blockState) putNameWithZonefile(rec *namedb.NameRecord, o opContext) error {
	if err := s.tx.PutName(rec); err != nil {
		return err
	}
	if rec.ValueHash == "" {
		return nil
	}
	return s.tx.AddZonefileHash(namedb.ZonefileHash{Vtxindex: o.vtxindex, Txid: o.txid, Name: rec.Name, Hash: rec.ValueHash})
}

// valueHash is the hex of a value hash; all zeroes means none.
func valueHash(h bns.Hash160) string {
	if h == (bns.Hash160{}) {
		return ""
	}
	return h.String()
}

func scriptHex(addr btcutil.Address) string {
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(script)
}

func priceParams(ns *namedb.NamespaceRecord) bns.PriceParams {
	return bns.PriceParams{Coeff: ns.Coeff, Base: ns.Base, Buckets: ns.Buckets,
		NonalphaDiscount: ns.NonalphaDiscount, NoVowelDiscount: ns.NoVowelDiscount}
}

// nameOnly is the part of a fully qualified name before the namespace.
func nameOnly(fqn string) string {
	name, _, err := bns.SplitName(fqn)
	if err != nil {
		return fqn
	}
	return name
}

func bucketsString(b [16]uint8) string {
	out := make([]byte, 0, 16)
	for _, x := range b {
		out = append(out, "0123456789abcdef"[x&0xf])
	}
	return string(out)
}
