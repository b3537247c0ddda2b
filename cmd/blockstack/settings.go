package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Settings: every flag of the root command and of the servers
// (settingsCommands) is also read from an environment variable and from a
// settings file, in this order: the command line, the environment, the
// file, the flag's default. applySettings does it, in the root's hook
// before any command runs, for whatever flags the command has: a flag added
// to a server later is covered with no more code.
//
// A flag's variable is BLOCKSTACK_<FLAG> for the root's flags and
// BLOCKSTACK_<COMMAND>_<FLAG> for a server's own, upper case with '-' as
// '_' (envName): --rpc-user is $BLOCKSTACK_RPC_USER, hub --listen is
// $BLOCKSTACK_HUB_LISTEN. A flag may read another name after it (fromEnv):
// every server's --log-level reads $BLOCKSTACK_LOG_LEVEL.
//
// The file (--config-file, or $BLOCKSTACK_CONFIG_FILE) is TOML: the root's
// flags at its top level, each server's in its table ([node], [hub], ...),
// keyed by the flag's long name. A table may also set a root flag for its
// command alone, over the top level's: the registrar's --node is `node` in
// [registrar], since `node` at the top would clash with the [node] table.
// Every key of the file must be a flag and every value one it accepts,
// whichever command runs, so that a typo is an error that names it.

// settingsCommands are the servers: the commands whose own flags the
// file's tables and the BLOCKSTACK_<COMMAND>_<FLAG> variables set.
var settingsCommands = []string{"node", "devnet", "hub", "registrar", "dns"}

// configFileFlag names the settings file; the file cannot set it.
const configFileFlag = "config-file"

// ownSettingsAnnotation marks a command that reads the settings file
// itself (config check): the root's hook leaves the file to it.
const ownSettingsAnnotation = "blockstack-own-settings"

// envName is the variable of the flag name of table ("": a root flag).
func envName(table, name string) string {
	v := "BLOCKSTACK_" + name
	if table != "" {
		v = "BLOCKSTACK_" + table + "_" + name
	}
	return strings.ToUpper(strings.ReplaceAll(v, "-", "_"))
}

// envNames are the variables of flag f, first the rule's (when table is
// set, ok) then its aliases.
func envNames(f *pflag.Flag, table string, ok bool) []string {
	var names []string
	if ok {
		names = append(names, envName(table, f.Name))
	}
	return append(names, f.Annotations[envAnnotation]...)
}

// flagTable is the table that sets the flag name of cmd: "" for a root
// flag, the server's name for a server's own flag (and one it hands to its
// subcommands, as node's --data-dir to node status); ok is false for any
// other flag.
func flagTable(cmd *cobra.Command, name string) (table string, ok bool) {
	for c := cmd; c != nil; c = c.Parent() {
		if c.LocalFlags().Lookup(name) == nil {
			continue
		}
		switch {
		case !c.HasParent():
			return "", true
		case !c.Parent().HasParent() && slices.Contains(settingsCommands, c.Name()):
			return c.Name(), true
		}
		return "", false
	}
	return "", false
}

// commandTable is the table of the server cmd is or belongs to, "" for
// other commands.
func commandTable(cmd *cobra.Command) string {
	for c := cmd; c.HasParent(); c = c.Parent() {
		if !c.Parent().HasParent() && slices.Contains(settingsCommands, c.Name()) {
			return c.Name()
		}
	}
	return ""
}

// describeSettings adds to each flag's help the variables that set it.
func describeSettings(root *cobra.Command) {
	seen := map[*pflag.Flag]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if seen[f] {
				return
			}
			seen[f] = true
			table, ok := flagTable(c, f.Name)
			if names := envNames(f, table, ok); len(names) > 0 {
				f.Usage += " (or $" + strings.Join(names, ", $") + ")"
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// settingsFile is a parsed settings file.
type settingsFile struct {
	path string
	// tables holds the values by table ("" is the top level) and key.
	tables map[string]map[string]any
}

// readSettingsFile parses the file at path and sorts its keys into tables.
func readSettingsFile(path string) (*settingsFile, error) {
	var doc map[string]any
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		return nil, fmt.Errorf("settings file %s: %w", path, err)
	}
	s := &settingsFile{path: path, tables: map[string]map[string]any{"": {}}}
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		v := doc[k]
		t, ok := v.(map[string]any)
		switch {
		case !ok:
			s.tables[""][k] = v
		case slices.Contains(settingsCommands, k):
			s.tables[k] = t
		default:
			return nil, s.keyError("", k, fmt.Errorf("no such table: the tables are [%s]", strings.Join(settingsCommands, "], [")))
		}
	}
	return s, nil
}

// keyError names the file and the key in err.
func (s *settingsFile) keyError(table, key string, err error) error {
	where := key
	if table != "" {
		where = "[" + table + "] " + key
	}
	return fmt.Errorf("settings file %s: %s: %w", s.path, where, err)
}

// tableNames are the file's tables, the top level first, then the
// servers' in settingsCommands' order.
func (s *settingsFile) tableNames() []string {
	return slices.DeleteFunc(append([]string{""}, settingsCommands...), func(t string) bool { return s.tables[t] == nil })
}

// check holds every key of the file to a flag of its table's command (or
// of the root) and every value to what that flag accepts, on root, a
// command tree of its own (checking sets its flags). It reports every bad
// key, each named.
func (s *settingsFile) check(root *cobra.Command) error {
	var errs []error
	for _, table := range s.tableNames() {
		for _, key := range slices.Sorted(maps.Keys(s.tables[table])) {
			f, err := s.flag(root, table, key)
			if err == nil {
				err = setFromFile(f, s.tables[table][key])
			}
			if err != nil {
				errs = append(errs, s.keyError(table, key, err))
			}
		}
	}
	return errors.Join(errs...)
}

// flag is the flag key sets in table, on root's tree.
func (s *settingsFile) flag(root *cobra.Command, table, key string) (*pflag.Flag, error) {
	if key == configFileFlag {
		return nil, errors.New("a settings file cannot name another")
	}
	if table != "" {
		if f := subcommand(root, table).LocalFlags().Lookup(key); f != nil {
			return f, nil
		}
	}
	if f := root.PersistentFlags().Lookup(key); f != nil {
		return f, nil
	}
	var in []string
	for _, t := range settingsCommands {
		if subcommand(root, t).LocalFlags().Lookup(key) != nil {
			in = append(in, "["+t+"]")
		}
	}
	switch {
	case table == "" && len(in) > 0:
		return nil, fmt.Errorf("not a global flag but a server's: put it in %s", strings.Join(in, " or "))
	case table == "":
		return nil, errors.New("unknown key: not a global flag of blockstack")
	}
	return nil, fmt.Errorf("unknown key: blockstack %s has no --%s flag", table, key)
}

// subcommand is root's command name, one of settingsCommands.
func subcommand(root *cobra.Command, name string) *cobra.Command {
	for _, c := range root.Commands() {
		if c.Name() == name {
			return c
		}
	}
	panic("no command " + name) // settingsCommands are root's
}

// setFromFile sets f to v, a value of the file: a string, number or
// boolean as the command line would give it, a list of strings to a flag
// that takes several.
func setFromFile(f *pflag.Flag, v any) error {
	var err error
	switch v := v.(type) {
	case string:
		err = f.Value.Set(v)
	case bool:
		err = f.Value.Set(strconv.FormatBool(v))
	case int64:
		err = f.Value.Set(strconv.FormatInt(v, 10))
	case float64:
		err = f.Value.Set(strconv.FormatFloat(v, 'g', -1, 64))
	case []any:
		sv, ok := f.Value.(pflag.SliceValue)
		if !ok {
			return fmt.Errorf("--%s takes one value, not a list", f.Name)
		}
		list := make([]string, len(v))
		for i, e := range v {
			if list[i], ok = e.(string); !ok {
				return fmt.Errorf("want a list of strings, not one holding %v", e)
			}
		}
		err = sv.Replace(list)
	default:
		return fmt.Errorf("%v is not a flag's value: give a string, a number, a boolean or a list of strings", v)
	}
	if err != nil {
		return fmt.Errorf("bad value for --%s: %w", f.Name, err)
	}
	f.Changed = true
	return nil
}

// fileValue is the value the file gives the flag name, whose table is
// table, for a command of the table run ("": not a server's): a root
// flag in run's table wins over the top level.
func (s *settingsFile) fileValue(table, run, name string) (any, bool) {
	if table == "" && run != "" {
		if v, ok := s.tables[run][name]; ok {
			return v, true
		}
	}
	v, ok := s.tables[table][name]
	return v, ok
}

// applySettings sets each flag of cmd that the command line did not give:
// from its environment variable, else from file (nil: no file).
func applySettings(cmd *cobra.Command, file *settingsFile, getenv func(string) string) error {
	run := commandTable(cmd)
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		table, ok := flagTable(cmd, f.Name)
		for _, env := range envNames(f, table, ok) {
			if v := getenv(env); v != "" {
				if err := f.Value.Set(v); err != nil {
					errs = append(errs, fmt.Errorf("$%s (for --%s): %w", env, f.Name, err))
				}
				f.Changed = true
				return
			}
		}
		if !ok || file == nil || f.Name == configFileFlag {
			return
		}
		if v, set := file.fileValue(table, run, f.Name); set {
			if err := setFromFile(f, v); err != nil {
				errs = append(errs, file.keyError(table, f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// loadSettings applies the environment and the settings file, if one is
// named, to cmd's flags; the file is checked whole first.
func loadSettings(cmd *cobra.Command, getenv func(string) string) error {
	var file *settingsFile
	if path := settingsPath(cmd, getenv); path != "" && cmd.Annotations[ownSettingsAnnotation] == "" {
		var err error
		if file, err = readSettingsFile(path); err != nil {
			return err
		}
		if err = file.check(newRootCmd()); err != nil {
			return err
		}
	}
	return applySettings(cmd, file, getenv)
}

// settingsPath is the settings file --config-file or its variable names,
// "" for none.
func settingsPath(cmd *cobra.Command, getenv func(string) string) string {
	if f := cmd.Flags().Lookup(configFileFlag); f != nil && f.Changed {
		return f.Value.String()
	}
	return getenv(envName("", configFileFlag))
}
