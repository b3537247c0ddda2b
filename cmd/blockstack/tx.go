package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/btcsuite/btcd/wire"
	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/bns"
)

// newTxCmd is `blockstack tx`: offline inspection of name operation
// transactions.
func newTxCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Inspect Blockstack name operation transactions",
	}
	cmd.AddCommand(newTxDecodeCmd(g))
	return cmd
}

func newTxDecodeCmd(g *globalFlags) *cobra.Command {
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
			net, err := g.bnsNetwork()
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
				if sender, err = lookupSender(cmd, *g, tx); err != nil {
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
// from the chain node g names.
func lookupSender(cmd *cobra.Command, g globalFlags, tx *wire.MsgTx) ([]byte, error) {
	if len(tx.TxIn) == 0 {
		return nil, errors.New("the transaction has no input")
	}
	b, err := g.openBackend(cmd.Context())
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
