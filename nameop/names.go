package nameop

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// ownerReserve is what funding an owner key adds to the shortfall of the
// operation at hand, in virtual bytes at the fee rate: the funding coin as
// one more input of that operation (148 vB), and a few later updates or
// transfers without another funding transaction and its wait.
const ownerReserve = 1000

// Register registers name to the wallet's first owner key: NAME_PREORDER
// from the payment key, then, once the preorder is indexed (the rules want
// the registration in a later block), NAME_REGISTRATION from the same key
// with the zone file's hash, then the zone file is published (nil: none).
// With last "preorder" it stops after the preorder (`name preorder`); a
// later run finishes the job from the journal.
func (r *Runner) Register(ctx context.Context, name string, zonefile []byte, last string) error {
	if err := bns.ValidName(name); err != nil {
		return err
	}
	_, nsID, _ := bns.SplitName(name)
	valueHash, err := ZonefileHash(zonefile)
	if err != nil {
		return err
	}
	payer := r.Wallet.PaymentKey()
	recipient := r.Wallet.OwnerKeys()[0].Address()
	preorderHash, err := bns.PreorderHash(name, payer.PkScript(), recipient)
	if err != nil {
		return err
	}
	registration := &bns.NameRegistration{Name: name, ValueHash: valueHash, Recipient: recipient}
	// Done once the name is registered to the recipient: a rerun after
	// the journal was lost, or after the job finished.
	ours := func(ctx context.Context, _ *Job) (bool, error) {
		rec, err := r.Node.Name(ctx, name)
		if errors.Is(err, apiclient.ErrNotFound) {
			return false, nil
		}
		return err == nil && rec.Address == recipient.EncodeAddress() && rec.Status == "registered", err
	}
	spec := jobSpec{
		key:    "register " + name,
		params: map[string]string{"recipient": recipient.EncodeAddress()},
		steps: []step{{
			name: "preorder",
			done: ours,
			build: func(ctx context.Context, info *apitypes.Info, job *Job) (*wire.MsgTx, error) {
				ns, err := r.readyNamespace(ctx, nsID)
				if err != nil {
					return nil, err
				}
				if err := r.available(ctx, info, name); err != nil {
					return nil, err
				}
				if err := r.checkQuota(ctx, info, recipient.EncodeAddress()); err != nil {
					return nil, err
				}
				price, err := r.Node.NamePrice(ctx, name)
				if err != nil {
					return nil, err
				}
				burn, err := r.feeAddress(ns, info, nextBlock(info))
				if err != nil {
					return nil, err
				}
				ch, err := consensusHash(info)
				if err != nil {
					return nil, err
				}
				preorder := &bns.NamePreorder{PreorderHash: preorderHash, ConsensusHash: ch, BurnAddress: burn, Fee: price}
				if err := r.checkFunds(payer, fmt.Sprintf("registering %s (price %d sat, plus fees)", name, price),
					preorder, registration); err != nil {
					return nil, err
				}
				r.logf(job, "preorder: %s costs %d sat, paid to %s", name, price, burn)
				return Build(r.Wallet, payer, preorder, r.Net, r.FeeRate)
			},
		}, {
			name: "register",
			done: ours,
			build: func(ctx context.Context, info *apitypes.Info, job *Job) (*wire.MsgTx, error) {
				pre := job.record("preorder")
				if pre == nil || pre.Block == 0 {
					return nil, refuse(ErrStepMissing, "no preorder of %s in the journal %s: run the command again to preorder it",
						name, r.Journal.Path())
				}
				if rs := nodeRules(info); rs.PreorderExpired(pre.Block, nextBlock(info)) {
					return nil, refuse(ErrPreorderExpired, "the preorder of %s (block %d) expired at block %d and its fee is spent: run `name register` again to preorder anew",
						name, pre.Block, rs.PreorderExpiresAt(pre.Block))
				}
				if _, err := r.readyNamespace(ctx, nsID); err != nil {
					return nil, err
				}
				if err := r.available(ctx, info, name); err != nil {
					return nil, fmt.Errorf("%w; the preorder's fee (block %d) is spent", err, pre.Block)
				}
				return Build(r.Wallet, payer, registration, r.Net, r.FeeRate)
			},
		}, {
			name: "zonefile",
			act:  func(ctx context.Context, job *Job) error { return r.publish(ctx, job, name, zonefile) },
		}},
	}
	err = r.run(ctx, spec, "", last)
	if errors.Is(err, ErrPreorderExpired) || errors.Is(err, ErrNameTaken) || errors.Is(err, ErrStepMissing) {
		// The journal holds no preorder that can still register the name
		// (expired, beaten, or skipped when the name was this wallet's
		// already): the next run must start over, not wait on it.
		return errors.Join(err, r.Journal.remove(spec.key))
	}
	return err
}

// publish sends a name's zone file to the node once the chain carries its
// hash.
func (r *Runner) publish(ctx context.Context, job *Job, name string, zonefile []byte) error {
	if zonefile == nil {
		return nil
	}
	want, err := ZonefileHash(zonefile)
	if err != nil {
		return err
	}
	rec, err := r.Node.Name(ctx, name)
	if err != nil {
		return err
	}
	if rec.ZonefileHash != want.String() {
		return fmt.Errorf("%s carries the zone file hash %q on chain, not %s, the hash of the zone file given: "+
			"publish the zone file it carries, or set this one with `name update`", name, rec.ZonefileHash, want)
	}
	_, err = r.Node.PutZonefile(ctx, zonefile)
	if errors.Is(err, apiclient.ErrUnavailable) {
		r.logf(job, "zonefile: NOT published: the node at %s keeps no zone files (%v); its hash %s is on chain, publish it to a node that does",
			r.Node.URL(), err, want)
		return nil
	}
	if err != nil {
		return fmt.Errorf("publish the zone file (run again to retry): %w", err)
	}
	r.logf(job, "zonefile: published %s", want)
	return nil
}

// ownerOp makes the operation a name's owner sends, from fresh state.
type ownerOp func(ctx context.Context, info *apitypes.Info, rec *apitypes.Name, owner *wallet.Key) (bns.Op, error)

// ownerSteps are the steps of an operation the name's owner key must send
// (the rules read the owner from the first input, and the wallet spends
// only the sender's coins): first, if that key lacks the coins, a payment
// to it from the payment key, confirmed; then the operation. isDone says
// from the name's record whether the operation is done already (nil:
// never).
func (r *Runner) ownerSteps(name, opStep string, renewal bool, makeOp ownerOp, isDone func(*apitypes.Name) bool) []step {
	build := func(ctx context.Context, info *apitypes.Info) (*wallet.Key, *wire.MsgTx, error) {
		rec, owner, err := r.ownedName(ctx, info, name, renewal)
		if err != nil {
			return nil, nil, err
		}
		op, err := makeOp(ctx, info, rec, owner)
		if err != nil {
			return nil, nil, err
		}
		tx, err := Build(r.Wallet, owner, op, r.Net, r.FeeRate)
		return owner, tx, err
	}
	done := func(ctx context.Context, _ *Job) (bool, error) {
		if isDone == nil {
			return false, nil
		}
		rec, err := r.Node.Name(ctx, name)
		if errors.Is(err, apiclient.ErrNotFound) {
			return false, nil
		}
		return err == nil && isDone(rec), err
	}
	// Set by the funding step's done, which its build follows.
	var owner *wallet.Key
	var shortfall int64
	fund := step{
		name:    "fund",
		payment: true,
		skipped: "not needed: the owner key has the coins",
		done: func(ctx context.Context, job *Job) (bool, error) {
			if ok, err := done(ctx, job); ok || err != nil {
				return ok, err
			}
			info, err := r.fresh(ctx, job)
			if err != nil {
				return false, err
			}
			var short *wallet.InsufficientFundsError
			owner, _, err = build(ctx, info)
			if errors.As(err, &short) && owner != r.Wallet.PaymentKey() {
				shortfall = short.Needed - short.Available
				return false, nil
			}
			return err == nil, err
		},
		build: func(ctx context.Context, info *apitypes.Info, job *Job) (*wire.MsgTx, error) {
			amount := shortfall + r.FeeRate*ownerReserve
			payer := r.Wallet.PaymentKey()
			tx, err := r.Wallet.BuildTx(wallet.TxRequest{
				From:        payer,
				Outputs:     []*wire.TxOut{wire.NewTxOut(amount, owner.PkScript())},
				ChangeIndex: wallet.AppendChange,
				FeeRate:     r.FeeRate,
			})
			if err != nil {
				return nil, fmt.Errorf("fund the owner key %s: %w", owner.Address(), err)
			}
			r.logf(job, "fund: the owner key %s lacks %d sat for %s: paying it %d sat from the payment key %s, then waiting for a confirmation",
				owner.Address(), shortfall, opStep, amount, payer.Address())
			return tx, nil
		},
	}
	op := step{
		name: opStep,
		done: done,
		build: func(ctx context.Context, info *apitypes.Info, _ *Job) (*wire.MsgTx, error) {
			_, tx, err := build(ctx, info)
			return tx, err
		},
	}
	return []step{fund, op}
}

// PointTo makes zonefile name's zone file: an Update, unless the node
// already has exactly that zone file for name, in which case it sends
// nothing and returns false (publishing a profile again at the same URL
// needs no transaction).
func (r *Runner) PointTo(ctx context.Context, name string, zonefile []byte) (updated bool, err error) {
	if current, err := r.Node.NameZonefile(ctx, name); err == nil && current == string(zonefile) {
		return false, nil
	}
	if err := r.Update(ctx, name, zonefile); err != nil {
		return false, err
	}
	return true, nil
}

// Update sets name's zone file hash (NAME_UPDATE from its owner key) and
// publishes the zone file.
func (r *Runner) Update(ctx context.Context, name string, zonefile []byte) error {
	if err := bns.ValidName(name); err != nil {
		return err
	}
	valueHash, err := ZonefileHash(zonefile)
	if err != nil {
		return err
	}
	steps := r.ownerSteps(name, "update", false,
		func(_ context.Context, info *apitypes.Info, _ *apitypes.Name, _ *wallet.Key) (bns.Op, error) {
			ch, err := consensusHash(info)
			if err != nil {
				return nil, err
			}
			return &bns.NameUpdate{NameConsensusHash: bns.NameConsensusHash(name, ch), ValueHash: valueHash}, nil
		},
		func(rec *apitypes.Name) bool {
			return rec.Status == "registered" && rec.ZonefileHash == hashString(valueHash)
		})
	steps = append(steps, step{
		name: "zonefile",
		act:  func(ctx context.Context, job *Job) error { return r.publish(ctx, job, name, zonefile) },
	})
	return r.run(ctx, jobSpec{
		key:    "update " + name,
		params: map[string]string{"value_hash": valueHash.String()},
		steps:  steps,
	}, "", "")
}

// Transfer gives name to another address (NAME_TRANSFER from its owner
// key), keeping its zone file hash or clearing it.
func (r *Runner) Transfer(ctx context.Context, name string, to btcutil.Address, keepZonefile bool) error {
	if err := bns.ValidName(name); err != nil {
		return err
	}
	if !to.IsForNet(r.Net.Params) {
		return fmt.Errorf("%s is not a %s address", to, r.Net.Name)
	}
	steps := r.ownerSteps(name, "transfer", false,
		func(ctx context.Context, info *apitypes.Info, rec *apitypes.Name, _ *wallet.Key) (bns.Op, error) {
			if rec.Address == to.EncodeAddress() {
				return nil, fmt.Errorf("%s is already owned by %s", name, to)
			}
			if err := r.checkQuota(ctx, info, to.EncodeAddress()); err != nil {
				return nil, err
			}
			ch, err := consensusHash(info)
			if err != nil {
				return nil, err
			}
			return &bns.NameTransfer{KeepData: keepZonefile, NameHash128: bns.NameHash128(name), ConsensusHash: ch, Recipient: to}, nil
		},
		func(rec *apitypes.Name) bool { return rec.Address == to.EncodeAddress() })
	return r.run(ctx, jobSpec{
		key:    "transfer " + name,
		params: map[string]string{"recipient": to.EncodeAddress(), "keep_zonefile": strconv.FormatBool(keepZonefile)},
		steps:  steps,
	}, "", "")
}

// Renew extends name's life by its namespace's lifetime (NAME_RENEWAL from
// its owner key, paying the name's price again), keeping owner and zone
// file. Allowed in the grace period after expiry.
func (r *Runner) Renew(ctx context.Context, name string) error {
	if err := bns.ValidName(name); err != nil {
		return err
	}
	_, nsID, _ := bns.SplitName(name)
	steps := r.ownerSteps(name, "renew", true,
		func(ctx context.Context, info *apitypes.Info, rec *apitypes.Name, owner *wallet.Key) (bns.Op, error) {
			ns, err := r.readyNamespace(ctx, nsID)
			if err != nil {
				return nil, err
			}
			price, err := r.Node.NamePrice(ctx, name)
			if err != nil {
				return nil, err
			}
			burn, err := r.feeAddress(ns, info, nextBlock(info))
			if err != nil {
				return nil, err
			}
			// The renewal sets the value hash: carry the current one.
			var valueHash bns.Hash160
			if rec.ZonefileHash != "" {
				if _, err := hex.Decode(valueHash[:], []byte(rec.ZonefileHash)); err != nil {
					return nil, fmt.Errorf("%s: zone file hash %q: %w", name, rec.ZonefileHash, err)
				}
			}
			return &bns.NameRenewal{
				NameRegistration: bns.NameRegistration{Name: name, ValueHash: valueHash, Recipient: owner.Address()},
				BurnAddress:      burn,
				Fee:              price,
			}, nil
		}, nil)
	// A renewal is never "done": each run renews once more. Only an
	// unfinished one (in the journal) is resumed.
	return r.run(ctx, jobSpec{key: renewKey(name), steps: steps}, "", "")
}

func renewKey(name string) string { return "renew " + name }

// RenewUnderway reports whether the journal holds an unfinished renewal of
// name, which Renew resumes (sending the transaction it recorded) rather
// than starting another.
func (r *Runner) RenewUnderway(name string) bool { return r.Journal.Job(renewKey(name)) != nil }

// Revoke freezes name for good (NAME_REVOKE from its owner key): it stays
// registered to its owner, resolves to nothing and can no longer change.
func (r *Runner) Revoke(ctx context.Context, name string) error {
	if err := bns.ValidName(name); err != nil {
		return err
	}
	steps := r.ownerSteps(name, "revoke", false,
		func(context.Context, *apitypes.Info, *apitypes.Name, *wallet.Key) (bns.Op, error) {
			return &bns.NameRevoke{Name: name}, nil
		},
		func(rec *apitypes.Name) bool { return rec.Status == "revoked" })
	return r.run(ctx, jobSpec{key: "revoke " + name, steps: steps}, "", "")
}
