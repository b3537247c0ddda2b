package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
	"github.com/go-blockstack/go-blockstack/nameop"
)

// autoRenewFlags are `name renew --auto`'s.
type autoRenewFlags struct {
	on           bool
	margin       string
	marginBlocks int64
	budget       int64
	every        time.Duration
}

func addAutoRenewFlags(cmd *cobra.Command, f *autoRenewFlags) {
	fl := cmd.Flags()
	fl.BoolVar(&f.on, "auto", false, "keep running, renewing each NAME when its expiry comes within --margin")
	fl.StringVar(&f.margin, "margin", "30d", "with --auto: renew when the expiry is this near (30d, 4w, 36h), by the node's estimate")
	fl.Int64Var(&f.marginBlocks, "margin-blocks", 0, "with --auto: renew when the expiry is this many blocks away or fewer (instead of --margin)")
	fl.Int64Var(&f.budget, "budget", 0, "with --auto (required): the most, in satoshis, that auto-renewals from this wallet may spend in all (prices and fees), counted in WALLET.renewals.json across runs")
	positiveDurationVar(fl, &f.every, "check-interval", 10*time.Minute, "with --auto: how often to look at the names' expiry")
}

// renewalVsizeBound bounds the virtual size of what one renewal sends: the
// renewal (one input, its OP_RETURN, the owner's, burn and change
// outputs: about 340 vB) and, when the owner key lacks the coins, the
// payment that funds it (about 230 vB).
const renewalVsizeBound = 600

// autoRenew renews each name whenever its expiry comes within the margin,
// until ctx ends (nil) or the budget would be exceeded (an error). Each
// renewal goes through the wallet's journal as `name renew` does, and a
// renewal the journal holds unfinished (this command killed after it
// broadcast, say) is finished before anything else is decided: a kill at
// any moment and a restart never renew twice.
func autoRenew(cmd *cobra.Command, g globalFlags, o opFlags, f autoRenewFlags, names []string) error {
	window, err := parseWindow(f.margin)
	if err != nil {
		return fmt.Errorf("--margin %q: %w", f.margin, err)
	}
	if f.marginBlocks < 0 {
		return fmt.Errorf("--margin-blocks %d: want a positive number of blocks", f.marginBlocks)
	}
	if f.budget <= 0 {
		return errors.New("--auto needs --budget SATS: the most auto-renewals may spend in all")
	}
	r, closeRunner, err := openRunner(cmd, g, o, "")
	if err != nil {
		return err
	}
	defer closeRunner()
	ledger, err := openRenewalLedger(strings.TrimSuffix(r.Wallet.Path(), ".json") + ".renewals.json")
	if err != nil {
		return err
	}
	due := func(rec *apitypes.Name, last int64) bool {
		if f.marginBlocks > 0 {
			return rec.ExpireBlock-last <= f.marginBlocks
		}
		return expiresWithin(rec, last, window)
	}
	ctx := cmd.Context()
	tick := time.NewTicker(f.every)
	defer tick.Stop()
	for {
		for _, name := range names {
			err := renewIfDue(ctx, r, ledger, o, f.budget, name, due, cmd.OutOrStdout())
			if neverRenews(err) {
				return err
			}
			if err != nil && ctx.Err() == nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "auto-renew: %s: %v (trying again in %s)\n", name, err, f.every)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// errNeverRenewable: a name given to --auto can never be renewed by it (it
// is not registered, is not the wallet's, does not expire, is revoked, or
// is past its renewal deadline).
var errNeverRenewable = errors.New("cannot be renewed")

// neverRenews reports whether err ends auto-renewal: the budget is spent,
// or a name can never be renewed (by the checks here or the runner's);
// anything else (the node or the chain out of reach) is tried again.
func neverRenews(err error) bool {
	var over *budgetError
	if errors.As(err, &over) {
		return true
	}
	for _, kind := range []error{errNeverRenewable, nameop.ErrNoSuchName, nameop.ErrNotOwner, nameop.ErrExpired, nameop.ErrRevoked} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

// renewIfDue renews name if the journal holds its renewal unfinished, or
// if due says its expiry is near; a renewal is entered in the ledger,
// against the budget, before its transaction is made.
func renewIfDue(ctx context.Context, r *nameop.Runner, ledger *renewalLedger, o opFlags, budget int64, name string,
	due func(rec *apitypes.Name, last int64) bool, out io.Writer) error {
	resumed := r.RenewUnderway(name)
	var was int64
	if !resumed {
		info, err := r.Node.Info(ctx)
		if err != nil {
			return err
		}
		rec, err := r.Node.Name(ctx, name)
		if errors.Is(err, apiclient.ErrNotFound) {
			return fmt.Errorf("%s is not registered: %w", name, errNeverRenewable)
		}
		if err != nil {
			return err
		}
		last := info.LastBlockProcessed
		switch {
		case !r.Owns(rec.Address):
			return fmt.Errorf("%s is owned by %s, not a key of the wallet %s: %w", name, rec.Address, r.Wallet.Path(), errNeverRenewable)
		case rec.ExpireBlock < 0:
			return fmt.Errorf("%s never expires: %w", name, errNeverRenewable)
		case rec.Status == "revoked":
			return fmt.Errorf("%s is revoked: %w", name, errNeverRenewable)
		case rec.RenewalDeadline <= last:
			return fmt.Errorf("%s: its renewal deadline, block %d, has passed: %w", name, rec.RenewalDeadline, errNeverRenewable)
		case !due(rec, last):
			return nil
		}
		price, err := r.Node.NamePrice(ctx, name)
		if err != nil {
			return err
		}
		if err := ledger.enter(name, rec.ExpireBlock, price+o.feeRate*renewalVsizeBound, budget); err != nil {
			return err
		}
		was = rec.ExpireBlock
	}
	rctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := r.Renew(rctx, name); err != nil {
		return err
	}
	rec, err := r.Node.Name(ctx, name)
	if err != nil {
		return err
	}
	how := fmt.Sprintf("it expired at block %d", was)
	if resumed {
		how = "the renewal the journal held, finished"
	}
	_, err = fmt.Fprintf(out, "renewed %s: %s, now at block %d (%d of the %d sat budget committed)\n",
		name, how, rec.ExpireBlock, ledger.total(), budget)
	return err
}

// renewalLedger is what auto-renewals have committed to spend from a
// wallet, in a file next to it (wallet.json → wallet.renewals.json), so
// that the budget holds across restarts. A renewal is entered, at its
// price plus a bound of its fees, before its transaction is made, once
// per expiry it renews: a restart that finds the same expiry does not
// count it again.
type renewalLedger struct {
	path     string
	Renewals []renewalEntry `json:"renewals"`
}

type renewalEntry struct {
	Name        string    `json:"name"`
	ExpireBlock int64     `json:"expire_block"` // the expiry it renews
	Sats        int64     `json:"sats"`
	At          time.Time `json:"at"`
}

func openRenewalLedger(path string) (*renewalLedger, error) {
	l := &renewalLedger{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err == nil {
		err = json.Unmarshal(data, l)
	}
	if err != nil {
		return nil, fmt.Errorf("renewal ledger %s: %w", path, err)
	}
	return l, nil
}

func (l *renewalLedger) total() int64 {
	var n int64
	for _, e := range l.Renewals {
		n += e.Sats
	}
	return n
}

// budgetError: a renewal would take the ledger past the budget.
type budgetError struct {
	name                string
	cost, spent, budget int64
}

func (e *budgetError) Error() string {
	return fmt.Sprintf("not renewing %s: it costs up to %d sat, and auto-renewals have committed %d of the --budget %d: raise --budget to allow it",
		e.name, e.cost, e.spent, e.budget)
}

// enter records a renewal of name's expiry at expireBlock costing up to
// sats, unless it is there already; *budgetError if it would take the
// total past budget.
func (l *renewalLedger) enter(name string, expireBlock, sats, budget int64) error {
	for _, e := range l.Renewals {
		if e.Name == name && e.ExpireBlock == expireBlock {
			return nil
		}
	}
	if spent := l.total(); spent+sats > budget {
		return &budgetError{name: name, cost: sats, spent: spent, budget: budget}
	}
	l.Renewals = append(l.Renewals, renewalEntry{Name: name, ExpireBlock: expireBlock, Sats: sats, At: time.Now().UTC()})
	data, err := json.MarshalIndent(l, "", "  ")
	if err == nil {
		err = atomicfile.Write(l.path, data)
	}
	if err != nil {
		return fmt.Errorf("renewal ledger %s: %w", l.path, err)
	}
	return nil
}
