package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/nameop"
)

const journalHelp = `
Each transaction is written, signed, to a journal next to the wallet file
(wallet.json → wallet.journal.json) before it is broadcast: a command that
stops for any reason (Ctrl-C, --timeout, a crash) continues where it was
when run again with the same arguments, sending the same transaction
rather than paying twice. Before anything is broadcast, the operation is
checked against the node's state (once the node has indexed the chain's
tip) and refused with the reason when the BNS rules would reject it.`

func newNameCmd(g *globalFlags) *cobra.Command {
	var o opFlags
	cmd := &cobra.Command{
		Use:   "name",
		Short: "Register, update, transfer, renew and revoke names",
		Long: `name sends the BNS operations on names, paid by the wallet (--wallet), checked
against and watched through the node (--node), over the Bitcoin node of
--rpc. Each command waits, showing progress, until the node has accepted
its transactions.` + journalHelp,
	}
	addOpFlags(cmd, &o)
	cmd.AddCommand(
		newNamePreorderCmd(g, &o),
		newNameRegisterCmd(g, &o),
		newNameUpdateCmd(g, &o),
		newNameTransferCmd(g, &o),
		newNameRenewCmd(g, &o),
		newNameRevokeCmd(g, &o),
	)
	return cmd
}

func newNamePreorderCmd(g *globalFlags, o *opFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "preorder NAME",
		Short: "Send only the NAME_PREORDER of a registration; `name register` finishes it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Register(ctx, args[0], nil, "preorder"); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "preordered %s; run `blockstack name register %s` to register it\n", args[0], args[0])
				return nil
			})
		},
	}
}

func newNameRegisterCmd(g *globalFlags, o *opFlags) *cobra.Command {
	var zonefilePath string
	cmd := &cobra.Command{
		Use:   "register NAME",
		Short: "Register a name to the wallet's owner key: preorder, wait, register, publish the zone file",
		Long: `register preorders NAME from the wallet's payment key (paying its price, from
the node), waits until the preorder is in a block, registers the name to the
wallet's first owner key with the hash of --zonefile, waits for that, and
publishes the zone file to the node.` + journalHelp,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			zf, err := readZonefile(zonefilePath)
			if err != nil {
				return err
			}
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Register(ctx, args[0], zf, ""); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "registered %s to %s\n", args[0], r.Wallet.OwnerKeys()[0].Address())
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&zonefilePath, "zonefile", "", "zone file whose hash the name carries (default: none)")
	return cmd
}

func newNameUpdateCmd(g *globalFlags, o *opFlags) *cobra.Command {
	var zonefilePath string
	cmd := &cobra.Command{
		Use:   "update NAME --zonefile FILE",
		Short: "Set a name's zone file (NAME_UPDATE from its owner key) and publish it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			zf, err := readZonefile(zonefilePath)
			if err != nil {
				return err
			}
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Update(ctx, args[0], zf); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "updated %s\n", args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&zonefilePath, "zonefile", "", "the new zone file")
	_ = cmd.MarkFlagRequired("zonefile") // cannot fail: the flag exists
	return cmd
}

func newNameTransferCmd(g *globalFlags, o *opFlags) *cobra.Command {
	var keep bool
	cmd := &cobra.Command{
		Use:   "transfer NAME ADDRESS",
		Short: "Give a name to another address (NAME_TRANSFER from its owner key)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := g.parseAddress(args[1])
			if err != nil {
				return err
			}
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Transfer(ctx, args[0], to, keep); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "transferred %s to %s\n", args[0], to)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&keep, "keep-zonefile", false, "keep the name's zone file hash (default: clear it)")
	return cmd
}

func newNameRenewCmd(g *globalFlags, o *opFlags) *cobra.Command {
	var auto autoRenewFlags
	cmd := &cobra.Command{
		Use:   "renew NAME...",
		Short: "Extend a name's life, paying its price again (NAME_RENEWAL from its owner key); --auto keeps names renewed",
		Long: `renew sends one NAME_RENEWAL for NAME and waits until the node has it.

With --auto it keeps running (until Ctrl-C) and renews each NAME whenever its
expiry comes within --margin (by the node's estimate of the date) or
--margin-blocks, looking every --check-interval, and prints a line for each
renewal. Every renewal goes through the wallet's journal, and one the
journal holds unfinished is finished first, so that a renewer killed at
any moment and started again never renews twice. Before a renewal is made
it is entered in a ledger next to the wallet (wallet.renewals.json) at its
price plus a bound of its fees; a renewal that would take the ledger past
--budget is refused, and the command stops saying so.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if auto.on {
				return atLeastArgs(1)(cmd, args)
			}
			return exactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if auto.on {
				return autoRenew(cmd, *g, *o, auto, args)
			}
			for _, fl := range []string{"margin", "margin-blocks", "budget", "check-interval"} {
				if cmd.Flags().Changed(fl) {
					return fmt.Errorf("--%s is for --auto: give --auto too, or leave it out", fl)
				}
			}
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Renew(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "renewed %s\n", args[0])
				return nil
			})
		},
	}
	addAutoRenewFlags(cmd, &auto)
	return cmd
}

func newNameRevokeCmd(g *globalFlags, o *opFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Freeze a name for good (NAME_REVOKE from its owner key): it resolves to nothing",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Revoke(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", args[0])
				return nil
			})
		},
	}
}
