package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
)

// whois is what `whois` prints: the node's record of the name, and its
// accepted operations in order.
type whois struct {
	FQN string `json:"name"`
	*apitypes.Name
	// ZonefileHash is null for none, as in the API (it hides the
	// embedded field).
	ZonefileHash *string   `json:"zonefile_hash"`
	History      []whoisOp `json:"history"`
}

type whoisOp struct {
	Block    int64  `json:"block"`
	Vtxindex int    `json:"vtxindex"`
	Opcode   string `json:"opcode"`
	Txid     string `json:"txid"`
	// Address and ValueHash are the owner and zone file hash after the
	// operation.
	Address   any `json:"address"`
	ValueHash any `json:"value_hash"`
}

func newWhoisCmd(g *globalFlags) *cobra.Command {
	var trust trustFlags
	cmd := &cobra.Command{
		Use:   "whois NAME",
		Short: "Print a name's record and history as JSON (from the node)",
		Long: `whois prints the node's record of a name and its accepted operations. With
--trust HASH@HEIGHT or --trust-nodes URL,... the operations that gave the
record its owner and zone file hash are proved against that consensus hash
by SNV (docs/trustless.md), and what was proved is said on stderr; a record
the history does not back is refused.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := validLookupName(name); err != nil {
				return err
			}
			node, err := openReadNode(cmd, *g)
			if err != nil {
				return err
			}
			var rec *apitypes.Name
			if trust.set() {
				rec, err = verifiedName(cmd, *g, node, &trust, name)
			} else {
				rec, err = node.Name(cmd.Context(), name)
			}
			if errors.Is(err, apiclient.ErrNotFound) {
				return fmt.Errorf("%s is not registered", name)
			}
			if err != nil {
				return err
			}
			out := whois{FQN: name, Name: rec, History: []whoisOp{}}
			if rec.Pending() {
				// Its domain's registrar answered (the node sent us
				// there): nothing of it is on chain yet.
				fmt.Fprintf(cmd.ErrOrStderr(), "%s is not on chain yet: this record is its registrar's (%s)\n", name, rec.Status)
				return printJSON(cmd.OutOrStdout(), out)
			}
			hist, err := node.NameHistory(cmd.Context(), name, false)
			if err != nil {
				return err
			}
			if rec.ZonefileHash != "" {
				out.ZonefileHash = &rec.ZonefileHash
			}
			for _, h := range hist {
				out.History = append(out.History, whoisOp{Block: h.Block, Vtxindex: h.Vtxindex, Opcode: h.Opcode, Txid: h.Txid,
					Address: h.Fields["address"], ValueHash: h.Fields["value_hash"]})
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	addTrustFlags(cmd, &trust)
	return cmd
}
