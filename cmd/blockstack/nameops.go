package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/bns"
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

func newNameCmd() *cobra.Command {
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
		newNamePreorderCmd(&o),
		newNameRegisterCmd(&o),
		newNameUpdateCmd(&o),
		newNameTransferCmd(&o),
		newNameRenewCmd(&o),
		newNameRevokeCmd(&o),
	)
	return cmd
}

func newNamePreorderCmd(o *opFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "preorder NAME",
		Short: "Send only the NAME_PREORDER of a registration; `name register` finishes it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Register(ctx, args[0], nil, "preorder"); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "preordered %s; run `blockstack name register %s` to register it\n", args[0], args[0])
				return nil
			})
		},
	}
}

func newNameRegisterCmd(o *opFlags) *cobra.Command {
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
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
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

func newNameUpdateCmd(o *opFlags) *cobra.Command {
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
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
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

func newNameTransferCmd(o *opFlags) *cobra.Command {
	var keep bool
	cmd := &cobra.Command{
		Use:   "transfer NAME ADDRESS",
		Short: "Give a name to another address (NAME_TRANSFER from its owner key)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := parseAddress(args[1])
			if err != nil {
				return err
			}
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
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

func newNameRenewCmd(o *opFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "renew NAME",
		Short: "Extend a name's life, paying its price again (NAME_RENEWAL from its owner key)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Renew(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "renewed %s\n", args[0])
				return nil
			})
		},
	}
}

func newNameRevokeCmd(o *opFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Freeze a name for good (NAME_REVOKE from its owner key): it resolves to nothing",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.Revoke(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", args[0])
				return nil
			})
		},
	}
}

func newNamespaceCmd() *cobra.Command {
	var o opFlags
	cmd := &cobra.Command{
		Use:   "namespace",
		Short: "Create namespaces and import names into them; show a namespace",
		Long: `namespace creates a namespace in three transactions from the wallet's payment
key, each waiting for the one before: NAMESPACE_PREORDER (paying the
namespace's price), NAMESPACE_REVEAL (its rules; the payment key becomes the
reveal address) and NAMESPACE_READY. Between the reveal and READY, the reveal
address may import names. "create" does all three; "preorder", "reveal" and
"ready" one each.` + journalHelp,
	}
	addOpFlags(cmd, &o)
	cmd.AddCommand(
		newNamespaceCreateCmd(&o),
		newNamespaceStepCmd(&o, nameop.StepNamespacePreorder, "Send the NAMESPACE_PREORDER of a namespace", false),
		newNamespaceStepCmd(&o, nameop.StepNamespaceReveal, "Reveal a preordered namespace's rules (NAMESPACE_REVEAL)", true),
		newNamespaceStepCmd(&o, nameop.StepNamespaceReady, "Open a revealed namespace to registrations (NAMESPACE_READY)", false),
		newNamespaceImportCmd(&o),
		newNamespaceShowCmd(),
	)
	return cmd
}

// revealFlags are a namespace's rules, as flags.
type revealFlags struct {
	lifetime          uint32
	coeff, base       uint8
	buckets           string
	nonalpha, noVowel uint8
	version           uint16
}

func addRevealFlags(cmd *cobra.Command, f *revealFlags) {
	fl := cmd.Flags()
	fl.Uint32Var(&f.lifetime, "lifetime", 0, "blocks a registration lasts (doubled by the rules; 4294967295: forever)")
	fl.Uint8Var(&f.coeff, "coeff", 0, "price coefficient (0–255)")
	fl.Uint8Var(&f.base, "base", 0, "price base (0–255)")
	fl.StringVar(&f.buckets, "buckets", "", "16 comma-separated exponents (0–15) for names of 1, 2, …, 16+ characters")
	fl.Uint8Var(&f.nonalpha, "nonalpha-discount", 0, "price divisor for names with a digit, - or _ (1–15)")
	fl.Uint8Var(&f.noVowel, "no-vowel-discount", 0, "price divisor for names without a vowel (1–15)")
	fl.Uint16Var(&f.version, "version", bns.NamespaceVersionPayToBurn, "1: name fees are burnt; 2: they pay the creator for a while")
	for _, name := range []string{"lifetime", "coeff", "base", "buckets", "nonalpha-discount", "no-vowel-discount"} {
		_ = cmd.MarkFlagRequired(name) // cannot fail: the flags exist
	}
}

func (f *revealFlags) rules() (*nameop.NamespaceRules, error) {
	buckets, err := parseBuckets(f.buckets)
	if err != nil {
		return nil, fmt.Errorf("--buckets: %w", err)
	}
	return &nameop.NamespaceRules{
		Lifetime: f.lifetime,
		PriceParams: bns.PriceParams{Coeff: f.coeff, Base: f.base, Buckets: buckets,
			NonalphaDiscount: f.nonalpha, NoVowelDiscount: f.noVowel},
		Version: f.version,
	}, nil
}

func newNamespaceCreateCmd(o *opFlags) *cobra.Command {
	var rf revealFlags
	cmd := &cobra.Command{
		Use:   "create ID --lifetime BLOCKS --coeff C --base B --buckets B1,…,B16 --nonalpha-discount D --no-vowel-discount D",
		Short: "Create a namespace: preorder, wait, reveal, wait, ready",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules, err := rf.rules()
			if err != nil {
				return err
			}
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.CreateNamespace(ctx, args[0], rules, "", ""); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "namespace %s is ready\n", args[0])
				return nil
			})
		},
	}
	addRevealFlags(cmd, &rf)
	return cmd
}

// newNamespaceStepCmd is one step of `namespace create` as its own command.
func newNamespaceStepCmd(o *opFlags, step, short string, withRules bool) *cobra.Command {
	var rf revealFlags
	cmd := &cobra.Command{
		Use:   step + " ID",
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var rules *nameop.NamespaceRules
			if withRules {
				var err error
				if rules, err = rf.rules(); err != nil {
					return err
				}
			}
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.CreateNamespace(ctx, args[0], rules, step, step); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "namespace %s: %s done\n", args[0], step)
				return nil
			})
		},
	}
	if withRules {
		cmd.Use += " --lifetime BLOCKS --coeff C --base B --buckets B1,…,B16 --nonalpha-discount D --no-vowel-discount D"
		addRevealFlags(cmd, &rf)
	}
	return cmd
}

func newNamespaceImportCmd(o *opFlags) *cobra.Command {
	var zonefilePath string
	cmd := &cobra.Command{
		Use:   "import NAME ADDRESS",
		Short: "Import a name into a revealed, not yet ready namespace (NAME_IMPORT from its reveal address)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := parseAddress(args[1])
			if err != nil {
				return err
			}
			zf, err := readZonefile(zonefilePath)
			if err != nil {
				return err
			}
			return withRunner(cmd, o, func(ctx context.Context, r *nameop.Runner) error {
				if err := r.ImportName(ctx, args[0], to, zf); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "imported %s for %s\n", args[0], to)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&zonefilePath, "zonefile", "", "zone file whose hash the name carries (default: none)")
	return cmd
}
