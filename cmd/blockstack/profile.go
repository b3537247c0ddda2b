package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/client/auth"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/publish"
	"github.com/go-blockstack/go-blockstack/nameop"
	"github.com/go-blockstack/go-blockstack/registrar"
	"github.com/go-blockstack/go-blockstack/subdomains"
)

func newProfileCmd(g *globalFlags) *cobra.Command {
	var f hubFlags
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Publish and show signed profiles",
	}
	f.add(cmd)
	cmd.AddCommand(newProfilePublishCmd(g, &f), newProfileShowCmd(g))
	return cmd
}

func newProfilePublishCmd(g *globalFlags, f *hubFlags) *cobra.Command {
	var (
		o        opFlags
		person   string
		apps     []string
		noUpdate bool
		regURL   string
	)
	cmd := &cobra.Command{
		Use:   "publish NAME",
		Short: "Sign the identity's profile, write it to its bucket, and point NAME's zone file at it",
		Long: `publish signs a profile (the JSON Person in --person FILE, or an empty one)
with the identity key, lists each --app ORIGIN with the identity's bucket for
that app (so that others can find the app's files through NAME), writes
profile.json to the identity's bucket on the hub, and, unless --no-update or
NAME's zone file already points there, updates NAME (NAME_UPDATE from its
owner key, which must be this identity's) with a zone file whose _http._tcp
record is the profile's URL. A subdomain's zone file is updated through its
domain's registrar (--registrar, by default the domain's _resolver), signed
by its owner key in the wallet; the node sees it once the registrar's batch
is on chain.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := validLookupName(name); err != nil {
				return err
			}
			for _, app := range apps {
				if err := auth.CheckOrigin(app); err != nil {
					return fmt.Errorf("--app: %w", err)
				}
			}
			p, err := readPerson(person)
			if err != nil {
				return err
			}
			h, id, err := f.connect(cmd.Context(), *g)
			if err != nil {
				return err
			}
			url, err := publish.Profile(cmd.Context(), h, id, p, apps, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "profile: %s\n", url)
			if noUpdate {
				return nil
			}
			zf, err := profile.ZoneFile(name, url)
			if err != nil {
				return err
			}
			updated, err := pointAt(cmd, *g, o, regURL, name, zf)
			switch {
			case err != nil:
				return err
			case updated && subdomains.IsFQN(name):
				fmt.Fprintf(cmd.OutOrStdout(), "%s points to it once its registrar's batch is on chain\n", name)
			case updated:
				fmt.Fprintf(cmd.OutOrStdout(), "updated %s\n", name)
			default:
				fmt.Fprintf(cmd.OutOrStdout(), "%s already points to it\n", name)
			}
			return nil
		},
	}
	addOpFlags(cmd, &o)
	addRegistrarFlag(cmd, &regURL)
	cmd.Flags().StringVar(&person, "person", "", "JSON `FILE` with the schema.org Person to publish (default: an empty one)")
	cmd.Flags().StringArrayVar(&apps, "app", nil, "list the identity's bucket for the app at `ORIGIN` (repeatable)")
	cmd.Flags().BoolVar(&noUpdate, "no-update", false, "write profile.json only; do not update NAME's zone file")
	return cmd
}

// readPerson reads --person: a JSON object (a schema.org Person), or an
// empty Person for "".
func readPerson(path string) (profile.Person, error) {
	p := profile.NewPerson()
	if path == "" {
		return p, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("--person %s: %w", path, err)
	}
	if p == nil {
		return nil, fmt.Errorf("--person %s: null, want a JSON object", path)
	}
	return p, nil
}

func newProfileShowCmd(g *globalFlags) *cobra.Command {
	var trust trustFlags
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Print NAME's profile, verified against its owner, as JSON (lookup --profile)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return printProfile(cmd, *g, &trust, args[0])
		},
	}
	addTrustFlags(cmd, &trust)
	return cmd
}

// printProfile follows name's lookup path and prints the verified profile.
func printProfile(cmd *cobra.Command, g globalFlags, trust *trustFlags, name string) error {
	res, err := resolveName(cmd, g, trust, name)
	if err != nil {
		return err
	}
	return printJSON(cmd.OutOrStdout(), map[string]any{"name": name, "owner": res.Owner,
		"profile_url": res.ProfileURL, "profile": res.Profile.Claim})
}

// pointAt points name at the zone file zf: a NAME_UPDATE from its owner
// key for a name; for a subdomain, an update signed by its owner key and
// queued at its domain's registrar (regURL; "": the domain's _resolver),
// which the node sees once the registrar's batch is on chain. updated is
// false when name points there already.
func pointAt(cmd *cobra.Command, g globalFlags, o opFlags, regURL, name string, zf []byte) (updated bool, err error) {
	if subdomains.IsFQN(name) {
		return submitRecord(cmd, g, regURL, registrar.KindUpdate, name, func(cur *registrar.NameRecord) (string, []byte) {
			return cur.Address, zf
		})
	}
	err = withRunner(cmd, g, o, func(ctx context.Context, r *nameop.Runner) error {
		var perr error
		updated, perr = r.PointTo(ctx, name, zf)
		return perr
	})
	return updated, err
}

// addRegistrarFlag adds --registrar, for commands that may change a
// subdomain.
func addRegistrarFlag(cmd *cobra.Command, regURL *string) {
	cmd.Flags().StringVar(regURL, "registrar", "", "for a subdomain: `URL` of its domain's registrar (default: the _resolver URI in the domain's zone file)")
}
