// Command blockstack is the one binary of go-blockstack: the embedded
// development network, the node, the wallet and the tools around them. It
// only wires packages together; the rules live in the packages.
//
// Each top-level command lives in the file named after it. The root's
// flags (globalFlags) are handed to each command's constructor; the
// services a long-running command starts run under one internal/runner
// Group.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	g := new(globalFlags)
	root := &cobra.Command{
		Use:           "blockstack",
		Short:         "Blockstack (BNS, Atlas, Gaia) in Go",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Before every command: the environment fills in the flags not
		// given, and --network is checked before anything uses it.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			if _, err := g.bnsNetwork(); err != nil {
				return fmt.Errorf("--network %q: want devnet, regtest, testnet or mainnet", g.network)
			}
			return nil
		},
	}
	addGlobalFlags(root, g)
	root.AddCommand(
		newDevnetCmd(g),
		newWalletCmd(g),
		newChainCmd(g),
		newNodeCmd(g),
		newSnapshotCmd(g),
		newHubCmd(),
		newTxCmd(g),
		newPriceCmd(g),
		newNameCmd(g),
		newNamespaceCmd(g),
		newWhoisCmd(g),
		newLookupCmd(g),
		newNamesCmd(g),
		newKeysCmd(g),
		newGaiaCmd(g),
		newProfileCmd(g),
		newRegistrarCmd(g),
		newSubdomainCmd(g),
		newDNSCmd(g),
	)
	return withExamples(root)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
