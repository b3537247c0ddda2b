package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envAnnotation marks a flag that defaults to an environment variable.
const envAnnotation = "blockstack-env"

// fromEnv makes the flag name of fs default to $env when it is not given
// (the flag wins), and says so in its help: a devnet on other addresses
// is then named once, not on every command.
func fromEnv(fs *pflag.FlagSet, name, env string) {
	fs.Lookup(name).Usage += " (or $" + env + ")"
	if err := fs.SetAnnotation(name, envAnnotation, []string{env}); err != nil {
		panic(err) // the flag was just looked up
	}
}

// applyEnv sets each flag of cmd that was not given from its environment
// variable, when that is set.
func applyEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		env := f.Annotations[envAnnotation]
		if err != nil || f.Changed || len(env) == 0 {
			return
		}
		if v := os.Getenv(env[0]); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("$%s (for --%s): %w", env[0], f.Name, serr)
			}
		}
	})
	return err
}

// positiveDuration is a duration flag that refuses zero and negative
// values as it is parsed.
type positiveDuration time.Duration

func (d *positiveDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return fmt.Errorf("%s is not a positive duration (e.g. 30s, 5m)", s)
	}
	*d = positiveDuration(v)
	return nil
}

func (d *positiveDuration) String() string { return time.Duration(*d).String() }
func (d *positiveDuration) Type() string   { return "duration" }

// positiveDurationVar defines a duration flag that must be positive.
func positiveDurationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*positiveDuration)(p), name, usage)
}

// exactArgs is cobra.ExactArgs that names the missing or extra arguments
// from the command's Use line and prints that line.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			// Use names the arguments first: "send ADDRESS AMOUNT_SATS".
			names := strings.Fields(cmd.Use)[1:]
			missing := "an argument"
			if len(names) >= n {
				missing = strings.Join(names[len(args):n], " ")
			}
			return fmt.Errorf("missing %s (usage: %s)", missing, cmd.UseLine())
		case len(args) > n:
			return fmt.Errorf("unexpected argument %q (usage: %s)", args[n], cmd.UseLine())
		}
		return nil
	}
}
