package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newNamesCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "names ADDRESS",
		Short: "List the names an address owns, one a line (from the node)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := g.parseAddress(args[0])
			if err != nil {
				return err
			}
			node, err := openReadNode(cmd, *g)
			if err != nil {
				return err
			}
			names, err := node.NamesOwned(cmd.Context(), addr.EncodeAddress())
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Fprintln(cmd.OutOrStdout(), n)
			}
			return nil
		},
	}
	cmd.AddCommand(newNamesExpiringCmd(g))
	return cmd
}
