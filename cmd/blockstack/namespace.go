package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/nameop"
)

func newNamespaceCmd(g *globalFlags) *cobra.Command {
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
		newNamespaceCreateCmd(g, &o),
		newNamespaceStepCmd(g, &o, nameop.StepNamespacePreorder, "Send the NAMESPACE_PREORDER of a namespace", false),
		newNamespaceStepCmd(g, &o, nameop.StepNamespaceReveal, "Reveal a preordered namespace's rules (NAMESPACE_REVEAL)", true),
		newNamespaceStepCmd(g, &o, nameop.StepNamespaceReady, "Open a revealed namespace to registrations (NAMESPACE_READY)", false),
		newNamespaceImportCmd(g, &o),
		newNamespaceShowCmd(g),
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

func newNamespaceCreateCmd(g *globalFlags, o *opFlags) *cobra.Command {
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
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
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
func newNamespaceStepCmd(g *globalFlags, o *opFlags, step, short string, withRules bool) *cobra.Command {
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
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
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

func newNamespaceImportCmd(g *globalFlags, o *opFlags) *cobra.Command {
	var zonefilePath string
	cmd := &cobra.Command{
		Use:   "import NAME ADDRESS",
		Short: "Import a name into a revealed, not yet ready namespace (NAME_IMPORT from its reveal address)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := g.parseAddress(args[1])
			if err != nil {
				return err
			}
			zf, err := readZonefile(zonefilePath)
			if err != nil {
				return err
			}
			return withRunner(cmd, *g, *o, func(ctx context.Context, r *nameop.Runner) error {
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

func newNamespaceShowCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Print a namespace's record as JSON (from the node)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := bns.ValidNamespaceID(args[0]); err != nil {
				return err
			}
			node, err := openReadNode(cmd, *g)
			if err != nil {
				return err
			}
			ns, err := node.Namespace(cmd.Context(), args[0])
			if errors.Is(err, apiclient.ErrNotFound) {
				return fmt.Errorf("namespace %s is not revealed", args[0])
			}
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), ns)
		},
	}
}
