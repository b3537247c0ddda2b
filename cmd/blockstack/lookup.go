package main

import (
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

func newLookupCmd(g *globalFlags) *cobra.Command {
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
				bucket, err := appBucketOf(cmd, *g, &trust, name, app)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), bucket)
				return err
			}
			if withProfile {
				return printProfile(cmd, *g, &trust, name)
			}
			node, err := openReadNode(cmd, *g)
			if err != nil {
				return err
			}
			var proved string // the zone file hash proved, if --trust
			if trust.set() {
				var rec *apitypes.Name
				if rec, err = verifiedName(cmd, *g, node, &trust, name); err != nil {
					return err
				}
				if rec.ZonefileHash == "" {
					return fmt.Errorf("%s has no zone file (proved)", name)
				}
				proved = rec.ZonefileHash
			}
			// With --trust, the zone file the proved record names, which
			// a later update may since have replaced.
			zf, err := node.NameZonefileByHash(cmd.Context(), name, proved)
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

// validLookupName checks a name the node can look up: an on-chain name
// ("alice.id") or a subdomain ("alice.foo.id").
func validLookupName(name string) error {
	if subdomains.IsFQN(name) {
		_, _, err := subdomains.SplitFQN(name)
		return err
	}
	return bns.ValidName(name)
}
