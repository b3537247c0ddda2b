package nameop

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// NamespaceRules are what a NAMESPACE_REVEAL sets: how long names live and
// what they cost.
type NamespaceRules struct {
	// Lifetime is how many blocks a registration lasts (0xffffffff:
	// forever); the rules double it (rules.Rules.LifetimeMultiplier).
	Lifetime uint32
	bns.PriceParams
	// Version is bns.NamespaceVersionPayToBurn or PayToCreator.
	Version uint16
}

// Namespace steps, for the first and last arguments of CreateNamespace.
const (
	StepNamespacePreorder = "preorder"
	StepNamespaceReveal   = "reveal"
	StepNamespaceReady    = "ready"
)

// CreateNamespace creates namespace id: NAMESPACE_PREORDER from the payment
// key, then NAMESPACE_REVEAL with rules (nil is allowed when the reveal is
// done already) naming the payment key as the reveal address, then
// NAMESPACE_READY from it; each waits for the one before to be indexed.
// first and last ("" for all) select the steps a low-level command runs;
// the steps before first must be done already. Between the reveal and
// READY, the reveal address may import names (ImportName).
func (r *Runner) CreateNamespace(ctx context.Context, id string, rules *NamespaceRules, first, last string) error {
	if err := bns.ValidNamespaceID(id); err != nil {
		return err
	}
	payer := r.Wallet.PaymentKey()
	revealAddr := payer.Address()
	preorderHash, err := bns.NamespacePreorderHash(id, payer.PkScript(), revealAddr)
	if err != nil {
		return err
	}
	reveal := func() (*bns.NamespaceReveal, error) {
		if rules == nil {
			return nil, fmt.Errorf("revealing namespace %s needs its rules (lifetime, price coefficient, base, buckets, discounts)", id)
		}
		op := &bns.NamespaceReveal{NamespaceID: id, Lifetime: rules.Lifetime, PriceParams: rules.PriceParams,
			Version: rules.Version, Recipient: revealAddr}
		// Encoding checks every parameter's range.
		if _, err := bns.Payload(op, r.Net.Magic); err != nil {
			return nil, err
		}
		return op, nil
	}
	// revealedByUs: the namespace is revealed (or ready) with a key of
	// this wallet as its reveal address.
	revealedByUs := func(ctx context.Context, _ *Job) (bool, error) {
		ns, err := r.Node.Namespace(ctx, id)
		if errors.Is(err, apiclient.ErrNotFound) {
			return false, nil
		}
		return err == nil && r.keyFor(ns.RecipientAddress) != nil, err
	}
	spec := jobSpec{
		key:    "namespace " + id,
		params: map[string]string{"reveal_address": revealAddr.EncodeAddress()},
		steps: []step{{
			name: StepNamespacePreorder,
			done: revealedByUs,
			build: func(ctx context.Context, info *apitypes.Info, job *Job) (*wire.MsgTx, error) {
				ns, err := r.Node.Namespace(ctx, id)
				switch {
				case errors.Is(err, apiclient.ErrNotFound):
				case err != nil:
					return nil, err
				case ns.Ready:
					return nil, refuse(ErrNamespaceReady, "namespace %s exists (ready at block %d)", id, ns.ReadyBlock)
				case !nodeRules(info).RevealLapsed(ns.RevealBlock, nextBlock(info)):
					return nil, refuse(ErrNamespaceTaken, "namespace %s is revealed (block %d) by %s; it lapses at block %d unless made ready",
						id, ns.RevealBlock, ns.Address, nodeRules(info).RevealLapsesAt(ns.RevealBlock))
				}
				price, err := r.Node.NamespacePrice(ctx, id)
				if err != nil {
					return nil, err
				}
				ch, err := consensusHash(info)
				if err != nil {
					return nil, err
				}
				preorder := &bns.NamespacePreorder{PreorderHash: preorderHash, ConsensusHash: ch, Fee: price}
				ops := []bns.Op{preorder, &bns.NamespaceReady{NamespaceID: id}}
				if rv, err := reveal(); err == nil {
					ops = append(ops, rv)
				}
				if err := r.checkFunds(payer, fmt.Sprintf("creating namespace %s (price %d sat, plus fees)", id, price), ops...); err != nil {
					return nil, err
				}
				r.logf(job, "preorder: namespace %s costs %d sat, burnt", id, price)
				return Build(r.Wallet, payer, preorder, r.Net, r.FeeRate)
			},
		}, {
			name: StepNamespaceReveal,
			done: revealedByUs,
			build: func(ctx context.Context, info *apitypes.Info, job *Job) (*wire.MsgTx, error) {
				pre := job.record(StepNamespacePreorder)
				if pre == nil || pre.Block == 0 {
					return nil, refuse(ErrStepMissing, "no preorder of namespace %s in the journal %s", id, r.Journal.Path())
				}
				if rs := nodeRules(info); rs.PreorderExpired(pre.Block, nextBlock(info)) {
					return nil, refuse(ErrPreorderExpired, "the preorder of namespace %s (block %d) expired at block %d and its fee is spent",
						id, pre.Block, rs.PreorderExpiresAt(pre.Block))
				}
				op, err := reveal()
				if err != nil {
					return nil, err
				}
				return Build(r.Wallet, payer, op, r.Net, r.FeeRate)
			},
		}, {
			name: StepNamespaceReady,
			done: func(ctx context.Context, _ *Job) (bool, error) {
				ns, err := r.Node.Namespace(ctx, id)
				if errors.Is(err, apiclient.ErrNotFound) {
					return false, nil
				}
				return err == nil && ns.Ready, err
			},
			build: func(ctx context.Context, info *apitypes.Info, _ *Job) (*wire.MsgTx, error) {
				_, key, err := r.revealedNamespace(ctx, info, id)
				if err != nil {
					return nil, err
				}
				return Build(r.Wallet, key, &bns.NamespaceReady{NamespaceID: id}, r.Net, r.FeeRate)
			},
		}},
	}
	err = r.run(ctx, spec, first, last)
	if errors.Is(err, ErrPreorderExpired) || errors.Is(err, ErrStepMissing) {
		// Nothing journaled can still reveal the namespace: start over.
		return errors.Join(err, r.Journal.remove(spec.key))
	}
	return err
}

// revealedNamespace reads a namespace that may still import names and be
// made ready, and the wallet key of its reveal address, which must send
// both.
func (r *Runner) revealedNamespace(ctx context.Context, info *apitypes.Info, id string) (*apitypes.Namespace, *wallet.Key, error) {
	ns, err := r.Node.Namespace(ctx, id)
	if errors.Is(err, apiclient.ErrNotFound) {
		return nil, nil, refuse(ErrNoSuchNamespace, "namespace %s is not revealed", id)
	}
	if err != nil {
		return nil, nil, err
	}
	if ns.Ready {
		return nil, nil, refuse(ErrNamespaceReady, "namespace %s is ready (block %d): imports have stopped", id, ns.ReadyBlock)
	}
	if rs := nodeRules(info); rs.RevealLapsed(ns.RevealBlock, nextBlock(info)) {
		return nil, nil, refuse(ErrNoSuchNamespace, "namespace %s lapsed at block %d: it was not made ready in time", id, rs.RevealLapsesAt(ns.RevealBlock))
	}
	key := r.keyFor(ns.RecipientAddress)
	if key == nil {
		return nil, nil, refuse(ErrNotOwner, "only namespace %s's reveal address %s may import names and make it ready; it is not a key of the wallet %s",
			id, ns.RecipientAddress, r.Wallet.Path())
	}
	return ns, key, nil
}

// ImportName puts name, with the zone file's hash (nil: none), into a
// revealed namespace that is not ready yet, owned by recipient
// (NAME_IMPORT from the reveal address), and publishes the zone file.
func (r *Runner) ImportName(ctx context.Context, name string, recipient btcutil.Address, zonefile []byte) error {
	if err := bns.ValidName(name); err != nil {
		return err
	}
	if !recipient.IsForNet(r.Net.Params) {
		return fmt.Errorf("%s is not a %s address", recipient, r.Net.Name)
	}
	_, nsID, _ := bns.SplitName(name)
	valueHash, err := ZonefileHash(zonefile)
	if err != nil {
		return err
	}
	spec := jobSpec{
		key:    "import " + name,
		params: map[string]string{"recipient": recipient.EncodeAddress(), "value_hash": valueHash.String()},
		steps: []step{{
			name: "import",
			done: func(ctx context.Context, _ *Job) (bool, error) {
				rec, err := r.Node.Name(ctx, name)
				if errors.Is(err, apiclient.ErrNotFound) {
					return false, nil
				}
				return err == nil && rec.Address == recipient.EncodeAddress() && rec.ZonefileHash == hashString(valueHash), err
			},
			build: func(ctx context.Context, info *apitypes.Info, _ *Job) (*wire.MsgTx, error) {
				_, key, err := r.revealedNamespace(ctx, info, nsID)
				if err != nil {
					return nil, err
				}
				op := &bns.NameImport{Name: name, Recipient: recipient, ValueHash: valueHash}
				return Build(r.Wallet, key, op, r.Net, r.FeeRate)
			},
		}, {
			name: "zonefile",
			act:  func(ctx context.Context, job *Job) error { return r.publish(ctx, job, name, zonefile) },
		}},
	}
	return r.run(ctx, spec, "", "")
}
