package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envAnnotation holds a flag's extra environment variables (fromEnv).
const envAnnotation = "blockstack-env"

// fromEnv makes $env an alias of the flag's variable (settings.go,
// envName), read after it: one variable for a flag every server has
// ($BLOCKSTACK_LOG_LEVEL), or a name older than the rule.
func fromEnv(fs *pflag.FlagSet, name, env string) {
	if err := fs.SetAnnotation(name, envAnnotation, []string{env}); err != nil {
		panic(err) // a flag defined just before
	}
}

// secretAnnotation marks a flag whose value config check does not print.
const secretAnnotation = "blockstack-secret"

// secret marks the flag name of fs as holding a secret.
func secret(fs *pflag.FlagSet, name string) {
	if err := fs.SetAnnotation(name, secretAnnotation, []string{"true"}); err != nil {
		panic(err) // a flag defined just before
	}
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
			return missingArgs(cmd, args, n)
		case len(args) > n:
			return fmt.Errorf("unexpected argument %q (usage: %s)", args[n], cmd.UseLine())
		}
		return nil
	}
}

// atLeastArgs is cobra.MinimumNArgs that names the missing arguments as
// exactArgs does ("ds ZONE..." misses ZONE...).
func atLeastArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return missingArgs(cmd, args, n)
		}
		return nil
	}
}

// missingArgs says which of the first n arguments the Use line names are
// missing, and prints that line.
func missingArgs(cmd *cobra.Command, args []string, n int) error {
	// Use names the arguments first: "send ADDRESS AMOUNT_SATS".
	names := strings.Fields(cmd.Use)[1:]
	missing := "an argument"
	if len(names) >= n {
		missing = strings.Join(names[len(args):n], " ")
	}
	return fmt.Errorf("missing %s (usage: %s)", missing, cmd.UseLine())
}
