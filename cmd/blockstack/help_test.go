package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestHelpOnEveryCommand: every command, at every depth, has a short
// description and answers --help and -h with its usage, without running
// (no required flag, argument or node is needed for help).
func TestHelpOnEveryCommand(t *testing.T) {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" {
				continue // cobra's own
			}
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	walk(newRootCmd(), nil)
	if len(paths) < 40 {
		t.Fatalf("found only %d commands: the walk is broken", len(paths))
	}
	for _, path := range paths {
		for _, flag := range []string{"--help", "-h"} {
			name := strings.Join(append([]string{"blockstack"}, path...), " ")
			t.Run(name+" "+flag, func(t *testing.T) {
				// A fresh tree each time: cobra keeps parsed flags.
				root := newRootCmd()
				var out, errOut bytes.Buffer
				root.SetOut(&out)
				root.SetErr(&errOut)
				root.SetArgs(append(append([]string(nil), path...), flag))
				cmd, err := root.ExecuteC()
				if err != nil {
					t.Fatalf("%v\n%s", err, errOut.String())
				}
				if cmd.CommandPath() != name {
					t.Fatalf("help of %q, want %q", cmd.CommandPath(), name)
				}
				if cmd.Short == "" {
					t.Error("no short description")
				}
				help := out.String()
				for _, want := range []string{"Usage:", name, "-h, --help"} {
					if !strings.Contains(help, want) {
						t.Errorf("help lacks %q:\n%s", want, help)
					}
				}
				if errOut.Len() != 0 {
					t.Errorf("stderr: %s", errOut.String())
				}
				// Defaults say $HOME, not one user's home.
				if home, _ := os.UserHomeDir(); home != "" && strings.Contains(help, home) {
					t.Errorf("help shows the expanded home %s:\n%s", home, help)
				}
				// A backquoted word in a usage is shown as the flag's
				// argument: a bool flag takes none.
				cmd.Flags().VisitAll(func(f *pflag.Flag) {
					if name, _ := pflag.UnquoteUsage(f); f.Value.Type() == "bool" && name != "" {
						t.Errorf("bool flag --%s is shown taking %q", f.Name, name)
					}
				})
			})
		}
	}
}

// TestEveryCommandHasExamples: every command that runs something (a leaf)
// shows examples in its help, and every entry of the examples table names
// a command that exists.
func TestEveryCommandHasExamples(t *testing.T) {
	seen := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		key := commandKey(c)
		seen[key] = true
		if c.Runnable() && c.Name() != "help" && c.Name() != "completion" && c.Parent() != nil &&
			c.Parent().Name() != "completion" && strings.TrimSpace(c.Example) == "" {
			t.Errorf("blockstack %s has no examples", key)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	for key := range examples {
		if !seen[key] {
			t.Errorf("examples has %q, which is no command", key)
		}
	}
}
