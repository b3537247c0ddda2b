package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/zonefile"
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

func newWhoisCmd() *cobra.Command {
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
			node, err := openReadNode(cmd)
			if err != nil {
				return err
			}
			var rec *apitypes.Name
			if trust.set() {
				rec, err = verifiedName(cmd, node, &trust, name)
			} else {
				rec, err = node.Name(cmd.Context(), name)
			}
			if errors.Is(err, apiclient.ErrNotFound) {
				return fmt.Errorf("%s is not registered", name)
			}
			if err != nil {
				return err
			}
			hist, err := node.NameHistory(cmd.Context(), name, false)
			if err != nil {
				return err
			}
			out := whois{FQN: name, Name: rec, History: []whoisOp{}}
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

func newLookupCmd() *cobra.Command {
	var withProfile bool
	var app string
	var trust trustFlags
	cmd := &cobra.Command{
		Use:   "lookup NAME",
		Short: "Print a name's zone file (from the node); --profile follows it to the owner-signed profile",
		Long: `lookup prints a name's zone file. With --profile (or --app) it follows the
whole lookup path: the zone file checked against the hash on chain, the
profile URL in its _http._tcp record, the profile token there checked
against the name's owner, and prints the verified profile as JSON; --app
ORIGIN prints the app bucket the profile lists for that app. A broken link
is named in the error.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := validLookupName(name); err != nil {
				return err
			}
			if app != "" {
				bucket, err := appBucketOf(cmd.Context(), name, app)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), bucket)
				return err
			}
			if withProfile {
				return printProfile(cmd, name)
			}
			node, err := openReadNode(cmd)
			if err != nil {
				return err
			}
			var proved string // the zone file hash proved, if --trust
			if trust.set() {
				var rec *apitypes.Name
				if rec, err = verifiedName(cmd, node, &trust, name); err != nil {
					return err
				}
				if rec.ZonefileHash == "" {
					return fmt.Errorf("%s has no zone file (proved)", name)
				}
				proved = rec.ZonefileHash
			}
			zf, err := node.NameZonefile(cmd.Context(), name)
			if errors.Is(err, apiclient.ErrNotFound) {
				return fmt.Errorf("%s: no zone file (%w)", name, err)
			}
			if err != nil {
				return err
			}
			if got := zonefile.HashOf([]byte(zf)).String(); proved != "" && got != proved {
				return fmt.Errorf("the node's zone file of %s hashes to %s, not the proved %s", name, got, proved)
			}
			_, err = io.WriteString(cmd.OutOrStdout(), zf)
			return err
		},
	}
	cmd.Flags().BoolVar(&withProfile, "profile", false, "follow the zone file to the verified profile")
	addTrustFlags(cmd, &trust)
	cmd.Flags().StringVar(&app, "app", "", "print the bucket the verified profile lists for this app origin")
	return cmd
}

func newNamesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "names ADDRESS",
		Short: "List the names an address owns, one a line (from the node)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := parseAddress(args[0])
			if err != nil {
				return err
			}
			node, err := openReadNode(cmd)
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
	cmd.AddCommand(newNamesExpiringCmd())
	return cmd
}

func newNamespaceShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Print a namespace's record as JSON (from the node)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := bns.ValidNamespaceID(args[0]); err != nil {
				return err
			}
			node, err := openReadNode(cmd)
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

// validLookupName checks a name the node can look up: an on-chain name
// ("alice.id") or a subdomain ("alice.foo.id").
func validLookupName(name string) error {
	if subdomains.IsFQN(name) {
		_, _, err := subdomains.SplitFQN(name)
		return err
	}
	return bns.ValidName(name)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
