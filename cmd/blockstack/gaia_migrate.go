package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/client/migrate"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/subdomains"
)

func newGaiaMigrateCmd(g *globalFlags, f *hubFlags) *cobra.Command {
	var (
		o            opFlags
		to, state    string
		regURL       string
		deleteSource bool
	)
	cmd := &cobra.Command{
		Use:   "migrate NAME --to HUB_URL",
		Short: "Move NAME's buckets (the identity's and each app's its profile lists) from --hub to another hub, and point NAME there",
		Long: `migrate moves the identity that owns NAME from the hub at --hub to the hub at
--to: every file of the identity's own bucket and of each app bucket NAME's
profile lists, as stored (encrypted files stay encrypted, .sig files come
along), each read back from the new hub and checked by SHA-256. Then it
re-signs the profile with the new hub's bucket URLs, writes it to the new
hub, and updates NAME (NAME_UPDATE from its owner key, this identity's) with
a zone file that points there, waiting for it to confirm. A subdomain's
update is signed by its owner key and queued at its domain's registrar
(--registrar, by default the domain's _resolver); the node sees it once the
registrar's batch is on chain, so --delete-source deletes nothing before
then (run again later).

A journal (gaia-migrate-NAME.jsonl next to the wallet, or in --state DIR)
records each verified file: run again after a failure or a kill, migrate
continues where it stopped and copies no verified file twice. Nothing is
deleted on the old hub unless --delete-source, and then only files verified
on the new hub, once NAME resolves to the new profile. Do not write to the
old buckets while a migration runs: a file changed after it was copied is
not copied again.`,
		Example: `  blockstack gaia migrate alice.id --hub https://old-hub.example --to https://new-hub.example
  blockstack gaia migrate alice.id --to https://new-hub.example --delete-source   # and delete the verified copies on the old hub`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := validLookupName(name); err != nil {
				return err
			}
			if f.app != "" {
				return errors.New("--app: gaia migrate moves every bucket the profile lists; it takes no --app")
			}
			if to == "" {
				return errors.New("--to HUB_URL is needed: the hub to move to")
			}
			from, err := f.hubURL(*g)
			if err != nil {
				return err
			}
			_, id, err := f.open(*g)
			if err != nil {
				return err
			}
			res, err := resolveName(cmd, *g, &trustFlags{}, name)
			if err != nil {
				return err
			}
			if owner := id.Key.Address().EncodeAddress(); res.Owner != owner {
				return fmt.Errorf("%s is owned by %s, not by this identity (%s, --index %d)", name, res.Owner, owner, id.Index)
			}
			buckets, err := migrate.Buckets(id, res.Profile.Claim, res.ProfileURL)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			m, err := migrate.Open(cmd.Context(), migrate.Config{From: from, To: to, HTTPClient: g.httpClient(0),
				Journal:  migrateJournal(*g, f, state, name),
				Progress: func(line string) { fmt.Fprintln(stderr, line) }}, buckets)
			if err != nil {
				return err
			}
			defer m.Close()
			st, err := m.Copy(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "verified %d files of %d buckets on %s: %d copied now, %d found there, %d by an earlier run\n",
				st.Files, len(buckets), to, st.Copied, st.Present, st.Recorded)
			url, err := m.Publish(cmd.Context(), id, res.Profile.Claim, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "profile: %s\n", url)
			zf, err := profile.ZoneFile(name, url)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "pointing %s at the new profile\n", name)
			updated, err := pointAt(cmd, *g, o, regURL, name, zf)
			switch {
			case err != nil:
			case updated && subdomains.IsFQN(name):
				fmt.Fprintf(cmd.OutOrStdout(), "%s points at the new profile once its registrar's batch is on chain\n", name)
			case updated:
				fmt.Fprintf(cmd.OutOrStdout(), "updated %s\n", name)
			default:
				fmt.Fprintf(cmd.OutOrStdout(), "%s already points at the new profile\n", name)
			}
			if err != nil {
				return fmt.Errorf("every file is on the new hub, but %s still points at the old one: %w (run again to retry)", name, err)
			}
			if !deleteSource {
				return nil
			}
			// Readers follow the name: delete only once it leads to the new hub.
			if res, err = resolveName(cmd, *g, &trustFlags{}, name); err != nil {
				return err
			}
			if res.ProfileURL != url {
				return fmt.Errorf("%s resolves to %s, not yet to %s: nothing deleted on the old hub (run again later)", name, res.ProfileURL, url)
			}
			n, err := m.DeleteSource(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %d files from %s\n", n, from)
			return nil
		},
	}
	addOpFlags(cmd, &o)
	addRegistrarFlag(cmd, &regURL)
	cmd.Flags().StringVar(&to, "to", "", "`URL` of the hub to move to")
	cmd.Flags().StringVar(&state, "state", "", "keep the migration's journal in `DIR` (default: beside the wallet, or the --keychain file)")
	cmd.Flags().BoolVar(&deleteSource, "delete-source", false, "once NAME points at the new hub, delete the moved files from the old one")
	return cmd
}

// migrateJournal is where the migration of name keeps its journal.
func migrateJournal(g globalFlags, f *hubFlags, state, name string) string {
	dir := state
	switch {
	case dir != "":
	case f.keychain != "":
		dir = filepath.Dir(f.keychain)
	default:
		dir = filepath.Dir(g.walletPath())
	}
	return filepath.Join(dir, "gaia-migrate-"+strings.ReplaceAll(name, "/", "_")+".jsonl")
}
