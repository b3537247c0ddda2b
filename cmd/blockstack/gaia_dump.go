package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newGaiaDumpCmd(g *globalFlags, f *hubFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "dump DIR",
		Short: "Copy every file of the bucket into DIR, with a manifest (sizes, SHA-256, content types)",
		Long: `dump copies every file of the bucket (--app for an app's) as the hub stores it
(encrypted files stay encrypted, .sig files are files like the others) into
DIR/files, and writes DIR/manifest.json last. Run again, it copies only what
changed. gaia restore puts a dump in a bucket on any hub: together they move
a bucket from one hub to another (--hub).`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := f.connect(cmd.Context(), *g)
			if err != nil {
				return err
			}
			m, err := h.Dump(cmd.Context(), args[0], func(p string) { fmt.Fprintln(cmd.ErrOrStderr(), p) })
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "dumped %d files of bucket %s into %s\n", len(m.Files), m.Bucket, args[0])
			return nil
		},
	}
}

func newGaiaRestoreCmd(g *globalFlags, f *hubFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "restore DIR",
		Short: "Store every file of a dump (gaia dump DIR) in the bucket, checking each",
		Long: `restore stores every file a dump lists in the bucket (--app for an app's) on
--hub, with its content type, after checking the dump's copy against the
manifest, and reads each back to check that it arrived whole. Files the
bucket already holds with the same bytes are left alone, so a restore
stopped midway continues where it was. The bucket is the identity's (or
the app's) on the new hub: the same key, so the same address.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := f.connect(cmd.Context(), *g)
			if err != nil {
				return err
			}
			stored, present, err := h.Restore(cmd.Context(), args[0], func(p string) { fmt.Fprintln(cmd.ErrOrStderr(), p) })
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored into bucket %s: %d files stored, %d already there\n", h.Address(), stored, present)
			return nil
		},
	}
}
