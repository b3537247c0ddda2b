package nameop

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/wallet"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// The checks below read the node's state as of its last block and judge it
// at the next block, the earliest a new transaction can be mined in: that is
// the block whose rules it will meet.

// nextBlock is the first block a transaction sent now can be mined in.
func nextBlock(info *apitypes.Info) int64 { return info.LastBlockProcessed + 1 }

// nodeRules are the rules the node says it applies, for the checks to
// judge by.
func nodeRules(info *apitypes.Info) rules.Rules {
	r := info.Rules
	return rules.Rules{PreorderExpire: r.PreorderExpire, NamespaceRevealExpire: r.NamespaceRevealExpire,
		PayToCreatorBlocks: r.PayToCreatorBlocks, GracePeriod: r.GracePeriod, ConsensusWindow: r.ConsensusWindow,
		LifetimeMultiplier: r.LifetimeMultiplier, MaxNamesPerOwner: r.MaxNamesPerOwner}
}

// revoked reads the node's verdict on a name: the API says revoked in its
// status only.
func revoked(rec *apitypes.Name) bool { return rec.Status == rules.Revoked.Status() }

// ZonefileHash checks a zone file (size and syntax, so that no hash of a
// file nodes would refuse goes on chain) and returns the value hash a name
// operation commits to. No zone file (nil) is the zero hash: none.
func ZonefileHash(data []byte) (bns.Hash160, error) {
	if data == nil {
		return bns.Hash160{}, nil
	}
	if _, err := zonefile.Parse(data); err != nil {
		return bns.Hash160{}, fmt.Errorf("zone file: %w", err)
	}
	return bns.Hash160(zonefile.HashOf(data)), nil
}

// hashString is a value hash as the node reports it: "" for none.
func hashString(h bns.Hash160) string {
	if h == (bns.Hash160{}) {
		return ""
	}
	return h.String()
}

// keyFor returns the wallet's key whose address is addr, or nil.
func (r *Runner) keyFor(addr string) *wallet.Key {
	for _, k := range append([]*wallet.Key{r.Wallet.PaymentKey()}, r.Wallet.OwnerKeys()...) {
		if k.Address().EncodeAddress() == addr {
			return k
		}
	}
	return nil
}

// Owns reports whether addr is one of the wallet's keys, which the runner
// can send a name's operations from.
func (r *Runner) Owns(addr string) bool { return r.keyFor(addr) != nil }

// consensusHash is the node's last consensus hash, which preorders,
// updates and transfers carry to prove they were made for this chain.
func consensusHash(info *apitypes.Info) (bns.Hash128, error) {
	var h bns.Hash128
	b, err := hex.DecodeString(info.Consensus)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("node's consensus hash %q is not 32 hex digits", info.Consensus)
	}
	copy(h[:], b)
	return h, nil
}

// readyNamespace reads the namespace of a name that is to be registered.
func (r *Runner) readyNamespace(ctx context.Context, id string) (*apitypes.Namespace, error) {
	ns, err := r.Node.Namespace(ctx, id)
	if errors.Is(err, apiclient.ErrNotFound) {
		return nil, refuse(ErrNoSuchNamespace, "namespace %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	if !ns.Ready {
		return nil, refuse(ErrNamespaceNotReady, "namespace %s is revealed (block %d) but not ready: its creator has not sent NAMESPACE_READY",
			id, ns.RevealBlock)
	}
	return ns, nil
}

// available refuses a name that a registration in the next block could not
// take: registered, and not past its grace period.
func (r *Runner) available(ctx context.Context, info *apitypes.Info, name string) error {
	rec, err := r.Node.Name(ctx, name)
	if errors.Is(err, apiclient.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if nodeRules(info).Registrable(rec.ExpireBlock, nextBlock(info)) {
		return nil
	}
	return refuse(ErrNameTaken, "%s is already registered (owner %s, %s)", name, rec.Address, lifeOf(rec))
}

func lifeOf(rec *apitypes.Name) string {
	switch {
	case revoked(rec):
		return "revoked"
	case rec.ExpireBlock < 0:
		return "never expires"
	default:
		return fmt.Sprintf("expires at block %d, renewable until block %d", rec.ExpireBlock, rec.RenewalDeadline)
	}
}

// ownedName reads name and the wallet key that owns it, refusing what its
// owner may not do in the next block: change an unknown, revoked or
// expired name (renewal: one past its grace period), or one owned by a key
// of another wallet.
func (r *Runner) ownedName(ctx context.Context, info *apitypes.Info, name string, renewal bool) (*apitypes.Name, *wallet.Key, error) {
	rec, err := r.Node.Name(ctx, name)
	if errors.Is(err, apiclient.ErrNotFound) {
		return nil, nil, refuse(ErrNoSuchName, "%s is not registered", name)
	}
	if err != nil {
		return nil, nil, err
	}
	rs := nodeRules(info)
	switch rs.NameState(revoked(rec), rec.ExpireBlock, nextBlock(info)) {
	case rules.Revoked:
		return nil, nil, refuse(ErrRevoked, "%s is revoked: it can no longer change", name)
	case rules.Expired:
		return nil, nil, refuse(ErrExpired, "%s expired at block %d and its grace period ended at block %d: it can only be registered anew",
			name, rec.ExpireBlock, rs.RenewalDeadline(rec.ExpireBlock))
	case rules.InGrace:
		if !renewal {
			return nil, nil, refuse(ErrExpired, "%s expired at block %d: until block %d, in its grace period, its owner may only renew it",
				name, rec.ExpireBlock, rs.RenewalDeadline(rec.ExpireBlock))
		}
	}
	key := r.keyFor(rec.Address)
	if key == nil {
		return nil, nil, refuse(ErrNotOwner, "%s is owned by %s, which is not a key of the wallet %s", name, rec.Address, r.Wallet.Path())
	}
	return rec, key, nil
}

// checkQuota refuses a recipient that already owns the most names allowed.
func (r *Runner) checkQuota(ctx context.Context, info *apitypes.Info, addr string) error {
	names, err := r.Node.NamesOwned(ctx, addr)
	if err != nil {
		return err
	}
	rs := nodeRules(info)
	if !rs.QuotaFull(len(names)) {
		return nil
	}
	// The list holds revoked names and names past their grace period too,
	// which the quota does not count: look closer.
	n := 0
	for _, name := range names {
		rec, err := r.Node.Name(ctx, name)
		if err != nil {
			return err
		}
		if rs.CountsTowardQuota(revoked(rec), rec.ExpireBlock, nextBlock(info)) {
			n++
		}
	}
	if rs.QuotaFull(n) {
		return refuse(ErrQuota, "%s already owns %d names, the most allowed", addr, n)
	}
	return nil
}

// feeAddress is where a name fee paid in block `at` must go: the burn
// address, or the creator of a version-2 namespace within its
// pay-to-creator period. (A transaction mined later than `at`, across the
// period's end, would pay the wrong address: the rules then reject it.)
func (r *Runner) feeAddress(ns *apitypes.Namespace, info *apitypes.Info, at int64) (btcutil.Address, error) {
	if nodeRules(info).PaysCreator(ns.Version, ns.RevealBlock, at) {
		addr, err := btcutil.DecodeAddress(ns.Address, r.Net.Params)
		if err != nil {
			return nil, fmt.Errorf("creator address of namespace %s: %w", ns.NamespaceID, err)
		}
		return addr, nil
	}
	return r.Net.BurnAddress(), nil
}

// cost is what a transaction carrying op costs its sender besides its
// change: the values of its other outputs and the miner fee with one input.
func (r *Runner) cost(from *wallet.Key, op bns.Op) (int64, error) {
	layout, err := bns.Encode(op, r.Net)
	if err != nil {
		return 0, err
	}
	var sum int64
	outs := make([]*wire.TxOut, len(layout.Outputs))
	for i, o := range layout.Outputs {
		outs[i] = o
		sum += o.Value
	}
	outs[layout.ChangeIndex] = wire.NewTxOut(0, from.PkScript())
	return sum + wallet.FeeFor(from, 1, outs, r.FeeRate), nil
}

// checkFunds refuses, before the first of them is broadcast, a series of
// transactions from key that its spendable coins cannot pay for (each one's
// outputs and fee, and the last one's change, which BNS needs above dust).
func (r *Runner) checkFunds(key *wallet.Key, what string, ops ...bns.Op) error {
	need := int64(wallet.DustLimit)
	for _, op := range ops {
		c, err := r.cost(key, op)
		if err != nil {
			return err
		}
		need += c
	}
	bal := r.Wallet.BalanceOf(key)
	if bal.Spendable >= need {
		return nil
	}
	return fmt.Errorf("%s: %w", what, &wallet.InsufficientFundsError{
		Address: key.Address().EncodeAddress(), Needed: need, Available: bal.Spendable,
		Immature: bal.Immature, Locked: bal.Locked,
	})
}
