package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/nameop"
)

// clientFlags say which BNS node (its REST API) and which wallet file the
// user-facing commands use. The defaults are those of a local devnet.
type clientFlags struct {
	node   string
	wallet string
	// passphraseFile holds the passphrase of an encrypted wallet or
	// keychain (readPassphrase).
	passphraseFile string
}

var clientOpts clientFlags

// defaultNodeAPIAddr is where `blockstack node` serves its API by default
// (its --api-addr): Blockstack Core's port.
const defaultNodeAPIAddr = "127.0.0.1:6270"

func addClientFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&clientOpts.node, "node", "", "`URL` of the BNS node's REST API (default http://"+defaultAPIAddr+
		" on devnet, else http://"+defaultNodeAPIAddr+", where blockstack node serves)")
	fromEnv(f, "node", nodeEnv)
	f.StringVar(&clientOpts.wallet, "wallet", "", "wallet file (default $HOME/.blockstack/<network>/wallet.json)")
	f.StringVar(&clientOpts.passphraseFile, "passphrase-file", "", "`FILE` holding the passphrase of an encrypted wallet or keychain (default $"+passphraseEnv+", else a prompt)")
}

// nodeURL is --node, or where the network's node serves by default.
func nodeURL() string {
	switch {
	case clientOpts.node != "":
		return clientOpts.node
	case backendOpts.network == "devnet":
		return "http://" + defaultAPIAddr
	default:
		return "http://" + defaultNodeAPIAddr
	}
}

func openNode() (*apiclient.Client, error) {
	return apiclient.New(nodeURL(), nil)
}

// opFlags are shared by the commands that send transactions.
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
func withRunner(cmd *cobra.Command, o *opFlags, fn func(ctx context.Context, r *nameop.Runner) error) error {
	r, closeRunner, err := openRunner(cmd, o, "")
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
func openRunner(cmd *cobra.Command, o *opFlags, journalPath string) (*nameop.Runner, func(), error) {
	if o.feeRate <= 0 {
		return nil, nil, fmt.Errorf("--fee-rate %d: want a positive number of sat/vB", o.feeRate)
	}
	net, err := bns.NetworkByName(backendOpts.network)
	if err != nil {
		return nil, nil, err
	}
	w, err := openWallet()
	if err != nil {
		return nil, nil, err
	}
	if w.Network() != net.Name {
		return nil, nil, fmt.Errorf("wallet %s is for %s, not %s", w.Path(), w.Network(), net.Name)
	}
	node, err := openNode()
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
	b, err := openBackend(cmd)
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

// parseAddress reads an address of the --network.
func parseAddress(s string) (btcutil.Address, error) {
	net, err := bns.NetworkByName(backendOpts.network)
	if err != nil {
		return nil, err
	}
	addr, err := btcutil.DecodeAddress(s, net.Params)
	if err != nil || !addr.IsForNet(net.Params) {
		return nil, fmt.Errorf("%q is not a %s address", s, net.Name)
	}
	return addr, nil
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
