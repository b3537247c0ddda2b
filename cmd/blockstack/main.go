// Command blockstack is the one binary of go-blockstack: the embedded
// development network, the node, the wallet and the tools around them. It
// only wires packages together; the rules live in the packages.
package main

import (
	"context"
	"fmt"
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
	root := &cobra.Command{
		Use:               "blockstack",
		Short:             "Blockstack (BNS, Atlas, Gaia) in Go",
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: beforeCommand,
	}
	addBackendFlags(root)
	addClientFlags(root)
	root.AddCommand(subcommands()...)
	return withExamples(root)
}
