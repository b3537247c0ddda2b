package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/nameop"
)

// clientFlags say which BNS node (its REST API) and which wallet file the
// user-facing commands use. The defaults are those of a local devnet.
type clientFlags struct {
	node   string
	wallet string
}

var clientOpts clientFlags

// defaultNodeAPIAddr is where `blockstack node` serves its API by default
// (its --api-addr): Blockstack Core's port.
const defaultNodeAPIAddr = "127.0.0.1:6270"

func addClientFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&clientOpts.node, "node", "", "`URL` of the BNS node's REST API (default http://"+defaultAPIAddr+
		" on devnet, else http://"+defaultNodeAPIAddr+", where blockstack node serves)")
	f.StringVar(&clientOpts.wallet, "wallet", "", "wallet file (default $HOME/.blockstack/<network>/wallet.json)")
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

func openNode() (*api.Client, error) {
	return api.NewClient(nodeURL(), nil)
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
	f.DurationVar(&o.timeout, "timeout", time.Hour, "give up waiting after this long (the journal keeps what was sent: run again to resume)")
	f.DurationVar(&o.poll, "poll-interval", time.Second, "how often to ask the node and the chain while waiting")
}

// exitAfterEnv names a step event ("preorder:broadcast", see
// nameop.Runner.Hook) after which the process exits at once, as if killed:
// the end-to-end tests use it to check that a rerun resumes from the
// journal. Not for users.
const exitAfterEnv = "BLOCKSTACK_TEST_EXIT_AFTER"

// withRunner opens the wallet, the chain backend, the node and the journal
// and runs fn with a Runner over them, within the --timeout.
func withRunner(cmd *cobra.Command, o *opFlags, fn func(ctx context.Context, r *nameop.Runner) error) error {
	if o.feeRate <= 0 {
		return fmt.Errorf("--fee-rate %d: want a positive number of sat/vB", o.feeRate)
	}
	net, err := bns.NetworkByName(backendOpts.network)
	if err != nil {
		return err
	}
	w, err := openWallet()
	if err != nil {
		return err
	}
	if w.Network() != net.Name {
		return fmt.Errorf("wallet %s is for %s, not %s", w.Path(), w.Network(), net.Name)
	}
	node, err := openNode()
	if err != nil {
		return err
	}
	journal, err := nameop.OpenJournal(nameop.JournalPath(w.Path()))
	if err != nil {
		return err
	}
	b, err := openBackend(cmd)
	if err != nil {
		return err
	}
	defer b.Close()
	r := &nameop.Runner{
		Wallet: w, Chain: b, Node: node, Net: net, Journal: journal,
		FeeRate: o.feeRate, Poll: o.poll, Log: cmd.ErrOrStderr(),
	}
	if at := os.Getenv(exitAfterEnv); at != "" {
		r.Hook = func(event string) {
			if event == at {
				fmt.Fprintf(cmd.ErrOrStderr(), "exiting after %s (%s)\n", event, exitAfterEnv)
				os.Exit(3)
			}
		}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	err = fn(ctx, r)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (--timeout %s)", err, o.timeout)
	}
	return err
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
