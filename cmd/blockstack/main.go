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
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/internal/tlsconf"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", withHint(err))
		os.Exit(1)
	}
}

// withHint adds to err what to do about it, where the cause is one a
// user fixes with a flag: a server certificate from a CA not trusted.
func withHint(err error) error {
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return fmt.Errorf("%w (a server with a private or test CA: give its CA certificate with --ca-file FILE or $%s)", err, caFileEnv)
	}
	return err
}

func newRootCmd() *cobra.Command {
	g := new(globalFlags)
	root := &cobra.Command{
		Use:           "blockstack",
		Short:         "Blockstack (BNS, Atlas, Gaia) in Go",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Before every command: the environment and the settings file
		// fill in the flags not given (settings.go), --network is checked
		// before anything uses it, and --ca-file is read.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := loadSettings(cmd, os.Getenv); err != nil {
				return err
			}
			if err := g.readRPCAuth(cmd.Flags()); err != nil {
				return err
			}
			if _, err := g.bnsNetwork(); err != nil {
				return fmt.Errorf("--network %q: want devnet, regtest, testnet or mainnet", g.network)
			}
			if g.caFile != "" {
				c, err := tlsconf.ClientConfig(g.caFile)
				if err != nil {
					return fmt.Errorf("--ca-file: %w", err)
				}
				g.clientTLS = c
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
		newConfigCmd(g),
	)
	describeSettings(root)
	return withExamples(root)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
