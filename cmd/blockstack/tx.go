package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"
	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/bns"
)

// newTxCmd is `blockstack tx`: offline inspection of name operation
// transactions.
func newTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Inspect Blockstack name operation transactions",
	}
	cmd.AddCommand(newTxDecodeCmd())
	return cmd
}

func newTxDecodeCmd() *cobra.Command {
	var (
		senderHex string
		lookup    bool
	)
	cmd := &cobra.Command{
		Use:   "decode TX_HEX",
		Short: "Decode the name operation of a raw transaction (hex, or - for stdin) as JSON",
		Long: `Decode prints the name operation a raw transaction carries, with every
field named as in the BNS spec. The sender (the scriptPubKey of the output
spent by the first input) is not in the transaction itself: give it with
--sender-script, or --lookup-sender to read it from the node the global
flags name (btcd or bitcoind with txindex, or a devnet), to have it checked
and printed; without either the sender is reported unknown.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			net, err := bns.NetworkByName(backendOpts.network)
			if err != nil {
				return err
			}
			tx, err := readTx(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			var sender []byte
			switch {
			case senderHex != "" && lookup:
				return errors.New("--sender-script and --lookup-sender: give one")
			case senderHex != "":
				if sender, err = hex.DecodeString(senderHex); err != nil {
					return fmt.Errorf("--sender-script: %w", err)
				}
			case lookup:
				if sender, err = lookupSender(cmd, tx); err != nil {
					return fmt.Errorf("transaction %s: sender: %w", tx.TxHash(), err)
				}
			}
			d, err := bns.Decode(tx, sender, net)
			if err != nil {
				return fmt.Errorf("transaction %s: %w", tx.TxHash(), err)
			}
			if sender == nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "sender unknown: pass --sender-script with the scriptPubKey spent by input 0, or --lookup-sender, to check it")
			}
			fields, err := d.Fields(net)
			if err != nil {
				return err
			}
			fields["txid"] = tx.TxHash().String()
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false) // print '>' (NAME_TRANSFER) as itself
			return enc.Encode(fields)
		},
	}
	cmd.Flags().StringVar(&senderHex, "sender-script", "", "hex scriptPubKey of the output the first input spends (the operation's sender)")
	cmd.Flags().BoolVar(&lookup, "lookup-sender", false, "read the sender from the node: the output the first input spends")
	return cmd
}

// lookupSender is the scriptPubKey of the output tx's first input spends,
// from the chain node the global flags name.
func lookupSender(cmd *cobra.Command, tx *wire.MsgTx) ([]byte, error) {
	if len(tx.TxIn) == 0 {
		return nil, errors.New("the transaction has no input")
	}
	b, err := openBackend(cmd)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	prev := tx.TxIn[0].PreviousOutPoint
	ptx, err := b.Transaction(cmd.Context(), prev.Hash)
	if err != nil {
		return nil, fmt.Errorf("input 0 spends %s, which the node does not give (does it keep a txindex?): %w", prev, err)
	}
	if int(prev.Index) >= len(ptx.TxOut) {
		return nil, fmt.Errorf("input 0 spends %s, which has only %d outputs", prev, len(ptx.TxOut))
	}
	return ptx.TxOut[prev.Index].PkScript, nil
}

// readTx reads a hex transaction from arg, or from stdin when arg is "-".
func readTx(stdin io.Reader, arg string) (*wire.MsgTx, error) {
	text := arg
	if arg == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		text = string(b)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("transaction hex: %w", err)
	}
	r := bytes.NewReader(raw)
	var tx wire.MsgTx
	if err := tx.Deserialize(r); err != nil {
		return nil, fmt.Errorf("parse transaction: %w", err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("parse transaction: %d bytes left over after it", r.Len())
	}
	return &tx, nil
}

// newPriceCmd is `blockstack price`: a name's price from the node, or name
// and namespace prices computed offline.
func newPriceCmd() *cobra.Command {
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
			node, err := openReadNode(cmd)
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
