package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/spf13/cobra"
)

func newConfigCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check a settings file (--config-file)",
	}
	cmd.AddCommand(newConfigCheckCmd(g))
	return cmd
}

func newConfigCheckCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "check [FILE]",
		Short: "Check a settings file and print what it sets",
		Long: `check reads a settings file (FILE, else --config-file or
$BLOCKSTACK_CONFIG_FILE) as every command would: each key must be a flag of
its table's command, or a global flag, and each value one the flag takes.
It exits non-zero naming each bad key, else prints what the file sets and
which set environment variables win over it. Secrets are not printed.

The file is TOML: the global flags at its top level, each server's own in
its table ([node], [devnet], [hub], [registrar], [dns]), by long name:

  network = "mainnet"
  rpc-cookie = "/var/lib/bitcoind/.cookie"

  [node]
  api-addr = "0.0.0.0:6270"
  atlas-seeds = ["node.example:6264"]

A flag on the command line wins over its environment variable, which wins
over the file. See docs/operations.md.`,
		Args:        cobra.MaximumNArgs(1),
		Annotations: map[string]string{ownSettingsAnnotation: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			path := settingsPath(cmd, os.Getenv)
			if len(args) == 1 {
				path = args[0]
			}
			if path == "" {
				return errors.New("no settings file: name one (blockstack config check FILE, --config-file FILE or $BLOCKSTACK_CONFIG_FILE)")
			}
			file, err := readSettingsFile(path)
			if err != nil {
				return err
			}
			root := newRootCmd()
			if err := file.check(root); err != nil {
				return err
			}
			printSettings(cmd, root, file, os.Getenv)
			return nil
		},
	}
}

// printSettings lists what file sets, on root (where check set it), and
// the set variables that win over it.
func printSettings(cmd *cobra.Command, root *cobra.Command, file *settingsFile, getenv func(string) string) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s is valid; it sets:\n", file.path)
	for _, table := range file.tableNames() {
		who := "every command:"
		if table != "" {
			who = "blockstack " + table + ":"
		}
		for _, key := range slices.Sorted(maps.Keys(file.tables[table])) {
			f, _ := file.flag(root, table, key) // check found it
			value := f.Value.String()
			if f.Annotations[secretAnnotation] != nil {
				value = "(secret, not shown)"
			}
			line := fmt.Sprintf("  %-24s --%s=%s", who, key, value)
			ftable, ok := flagTable(subcommandOrRoot(root, table), key)
			for _, env := range envNames(f, ftable, ok) {
				if getenv(env) != "" {
					line += fmt.Sprintf("   (but $%s is set, and wins)", env)
					break
				}
			}
			fmt.Fprintln(out, line)
		}
	}
}

// subcommandOrRoot is root's command table, or root for the top level.
func subcommandOrRoot(root *cobra.Command, table string) *cobra.Command {
	if table == "" {
		return root
	}
	return subcommand(root, table)
}
