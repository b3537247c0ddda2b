package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
)

func newChainCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chain",
		Short: "Look at the Bitcoin node and, on devnet or regtest, mine",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "tip",
		Short: "Print the best block's height and hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := g.openBackend(cmd.Context())
			if err != nil {
				return err
			}
			defer b.Close()
			tip, err := b.Tip(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d %s\n", tip.Height, tip.Hash)
			return nil
		},
	}, &cobra.Command{
		Use:   "mine [N]",
		Short: "Mine N blocks now (default 1): devnet, or a regtest node",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 1
			if len(args) == 1 {
				var err error
				if n, err = strconv.Atoi(args[0]); err != nil || n < 1 {
					return fmt.Errorf("block count %q is not a positive number", args[0])
				}
			}
			b, err := g.openBackend(cmd.Context())
			if err != nil {
				return err
			}
			defer b.Close()
			hashes, err := b.Mine(cmd.Context(), n)
			if err != nil {
				return err
			}
			for _, h := range hashes {
				fmt.Fprintln(cmd.OutOrStdout(), h)
			}
			return nil
		},
	})
	return cmd
}
