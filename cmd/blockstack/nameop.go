package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/nameop"
)

// defaultFeeRate is the fee rate, in sat/vB, of the commands that send
// transactions (`wallet send`, `name …`, `namespace …`).
const defaultFeeRate = 10

// opFlags are shared by the commands that send name operations.
type opFlags struct {
	feeRate int64
	timeout time.Duration
	poll    time.Duration
}

func addOpFlags(cmd *cobra.Command, o *opFlags) {
	f := cmd.PersistentFlags()
	f.Int64Var(&o.feeRate, "fee-rate", defaultFeeRate, "miner fee rate in sat/vB")
	positiveDurationVar(f, &o.timeout, "timeout", time.Hour, "give up waiting after this long (the journal keeps what was sent: run again to resume)")
	positiveDurationVar(f, &o.poll, "poll-interval", time.Second, "how often to ask the node and the chain while waiting")
}

// exitAfterEnv names a step event ("preorder:broadcast", see
// nameop.Runner.Hook) after which the process exits at once, as if killed:
// the end-to-end tests use it to check that a rerun resumes from the
// journal. Not for users.
const exitAfterEnv = "BLOCKSTACK_TEST_EXIT_AFTER"

// withRunner opens the wallet, the chain backend, the node and the journal
// and runs fn with a Runner over them, within the --timeout.
func withRunner(cmd *cobra.Command, g globalFlags, o opFlags, fn func(ctx context.Context, r *nameop.Runner) error) error {
	r, closeRunner, err := openRunner(cmd, g, o, "")
	if err != nil {
		return err
	}
	defer closeRunner()
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	err = fn(ctx, r)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (--timeout %s)", err, o.timeout)
	}
	return err
}

// openRunner opens the wallet, the chain backend, the node and the
// journal at journalPath ("": the wallet's own, next to it) and returns a
// Runner over them, and what closes them.
func openRunner(cmd *cobra.Command, g globalFlags, o opFlags, journalPath string) (*nameop.Runner, func(), error) {
	if o.feeRate <= 0 {
		return nil, nil, fmt.Errorf("--fee-rate %d: want a positive number of sat/vB", o.feeRate)
	}
	net, err := g.bnsNetwork()
	if err != nil {
		return nil, nil, err
	}
	w, err := g.openNetworkWallet()
	if err != nil {
		return nil, nil, err
	}
	node, err := g.openNode()
	if err != nil {
		return nil, nil, err
	}
	if journalPath == "" {
		journalPath = nameop.JournalPath(w.Path())
	}
	journal, err := nameop.OpenJournal(journalPath)
	if err != nil {
		return nil, nil, err
	}
	b, err := g.openBackend(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	r := &nameop.Runner{
		Wallet: w, Chain: b, Node: node, Net: net, Journal: journal,
		FeeRate: o.feeRate, Poll: o.poll, Log: cmd.ErrOrStderr(),
	}
	r.Hook = testExitHook(cmd)
	return r, func() { b.Close() }, nil
}

// testExitHook is the hook that exits the process after the event
// $BLOCKSTACK_TEST_EXIT_AFTER names, nil when it is not set.
func testExitHook(cmd *cobra.Command) func(string) {
	at := os.Getenv(exitAfterEnv)
	if at == "" {
		return nil
	}
	return func(event string) {
		if event == at {
			fmt.Fprintf(cmd.ErrOrStderr(), "exiting after %s (%s)\n", event, exitAfterEnv)
			os.Exit(3)
		}
	}
}

// readZonefile reads --zonefile; "" means none (nil).
func readZonefile(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--zonefile: %w", err)
	}
	return data, nil
}
