package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/bns"
)

// newPriceCmd is `blockstack price`: a name's price from the node, or name
// and namespace prices computed offline.
func newPriceCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "price NAME",
		Short: "Name and namespace prices (satoshis): a name's from the node, or computed offline",
		Long: `price NAME asks the node (--node) what registering NAME costs now, under its
namespace's rules. The subcommands compute prices offline: "namespace ID"
from the namespace price table, "name NAME" from pricing rules given as
flags.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := bns.ValidName(args[0]); err != nil {
				return err
			}
			node, err := openReadNode(cmd, *g)
			if err != nil {
				return err
			}
			price, err := node.NamePrice(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printPrice(cmd.OutOrStdout(), price)
		},
	}
	cmd.AddCommand(newPriceNamespaceCmd(), newPriceNameCmd())
	return cmd
}

func newPriceNamespaceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "namespace ID",
		Short: "Print the price of a namespace id",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			price, err := bns.NamespacePrice(args[0])
			if err != nil {
				return err
			}
			return printPrice(cmd.OutOrStdout(), price)
		},
	}
}

func newPriceNameCmd() *cobra.Command {
	var (
		p       bns.PriceParams
		buckets string
	)
	cmd := &cobra.Command{
		Use:   "name NAME.NAMESPACE",
		Short: "Print the price of a name under the given namespace rules",
		Long: `Print the price of a name, computed offline from the pricing rules its
namespace revealed (see "blockstack tx decode" of the NAMESPACE_REVEAL):
--coeff, --base, the 16 --buckets exponents, and the two discounts.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, _, err := bns.SplitName(args[0])
			if err != nil {
				return err
			}
			if p.Buckets, err = parseBuckets(buckets); err != nil {
				return fmt.Errorf("--buckets: %w", err)
			}
			for flag, d := range map[string]uint8{"--nonalpha-discount": p.NonalphaDiscount, "--no-vowel-discount": p.NoVowelDiscount} {
				if d < 1 || d > 15 {
					return fmt.Errorf("%s: %d, want 1 to 15", flag, d)
				}
			}
			return printPrice(cmd.OutOrStdout(), p.NamePrice(name))
		},
	}
	f := cmd.Flags()
	f.Uint8Var(&p.Coeff, "coeff", 0, "price coefficient (0–255)")
	f.Uint8Var(&p.Base, "base", 0, "price base (0–255)")
	f.StringVar(&buckets, "buckets", "", "16 comma-separated exponents (0–15) for names of 1, 2, …, 16+ characters")
	f.Uint8Var(&p.NonalphaDiscount, "nonalpha-discount", 0, "divisor for names with a digit, - or _ (1–15)")
	f.Uint8Var(&p.NoVowelDiscount, "no-vowel-discount", 0, "divisor for names without a vowel (1–15)")
	for _, name := range []string{"coeff", "base", "buckets", "nonalpha-discount", "no-vowel-discount"} {
		// Cannot fail: the flags exist.
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// parseBuckets parses "6,5,4,…": exactly 16 nibbles, as a reveal carries.
func parseBuckets(s string) ([16]uint8, error) {
	var b [16]uint8
	parts := strings.Split(s, ",")
	if len(parts) != len(b) {
		return b, fmt.Errorf("%d values, want %d", len(parts), len(b))
	}
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 8)
		if err != nil || v > 15 {
			return b, fmt.Errorf("value %d (%q) is not an exponent from 0 to 15", i+1, p)
		}
		b[i] = uint8(v)
	}
	return b, nil
}

// printPrice prints a price in satoshis and in BTC. (The /v1/prices API's
// "units": "BTC" names the token whose base units its amount counts; read
// as a label here it said satoshis were bitcoins.)
func printPrice(w io.Writer, satoshis int64) error {
	return printJSON(w, map[string]any{
		"satoshis": satoshis,
		"btc":      strconv.FormatFloat(btcutil.Amount(satoshis).ToBTC(), 'f', -1, 64),
	})
}
