package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// writeFile writes content to a file named name in a fresh folder.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// parsed is the command at path of a fresh tree with args parsed, as
// cobra does before the root's hook.
func parsed(t *testing.T, path []string, args ...string) *cobra.Command {
	t.Helper()
	cmd, _, err := newRootCmd().Find(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestSettingsPrecedence: a flag on the command line wins over its
// variable, which wins over the settings file, which wins over the
// default; a global flag set in a server's table wins, for that server,
// over the top level's.
func TestSettingsPrecedence(t *testing.T) {
	file := writeFile(t, "b.toml", `
rpc = "top:1"
network = "regtest"
[hub]
listen = "file:1"
[registrar]
rpc = "registrar:1"
`)
	for _, tc := range []struct {
		name    string
		path    []string
		flag    string
		args    []string
		env     map[string]string
		want    string
		changed bool
	}{
		{"default", []string{"hub"}, "data-dir", nil, nil, "", false},
		{"file", []string{"hub"}, "listen", nil, nil, "file:1", true},
		{"env over file", []string{"hub"}, "listen", nil, map[string]string{"BLOCKSTACK_HUB_LISTEN": "env:1"}, "env:1", true},
		{"flag over env", []string{"hub"}, "listen", []string{"--listen", "flag:1"}, map[string]string{"BLOCKSTACK_HUB_LISTEN": "env:1"}, "flag:1", true},
		{"another server's variable", []string{"hub"}, "listen", nil, map[string]string{"BLOCKSTACK_REGISTRAR_LISTEN": "env:1"}, "file:1", true},
		{"global from the top", []string{"hub"}, "rpc", nil, nil, "top:1", true},
		{"global from the server's table", []string{"registrar"}, "rpc", nil, nil, "registrar:1", true},
		{"global's variable over the table", []string{"registrar"}, "rpc", nil, map[string]string{"BLOCKSTACK_RPC": "env:2"}, "env:2", true},
		{"global for a client command", []string{"names"}, "network", nil, nil, "regtest", true},
		{"a server's flag handed down", []string{"node", "status"}, "data-dir", nil, map[string]string{"BLOCKSTACK_NODE_DATA_DIR": "/d"}, "/d", true},
		{"alias", []string{"dns"}, "log-level", nil, map[string]string{"BLOCKSTACK_LOG_LEVEL": "debug"}, "debug", true},
		{"rule before alias", []string{"dns"}, "log-level", nil, map[string]string{"BLOCKSTACK_LOG_LEVEL": "debug", "BLOCKSTACK_DNS_LOG_LEVEL": "warn"}, "warn", true},
		{"settings file from its variable", []string{"hub"}, "listen", nil, map[string]string{"BLOCKSTACK_CONFIG_FILE": file}, "file:1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := parsed(t, tc.path, append([]string{"--config-file", file}, tc.args...)...)
			if tc.env["BLOCKSTACK_CONFIG_FILE"] != "" {
				cmd = parsed(t, tc.path, tc.args...)
			}
			if err := loadSettings(cmd, func(k string) string { return tc.env[k] }); err != nil {
				t.Fatal(err)
			}
			f := cmd.Flags().Lookup(tc.flag)
			if f.Value.String() != tc.want || f.Changed != tc.changed {
				t.Errorf("--%s = %q (changed %v), want %q (%v)", tc.flag, f.Value, f.Changed, tc.want, tc.changed)
			}
		})
	}
}

// TestSettingsVariables: the variables the commands had before the rule
// keep their meaning, every flag of every server has one, and no two
// flags share one.
func TestSettingsVariables(t *testing.T) {
	owner := settingsVariables(t, newRootCmd())
	for env, flag := range map[string]string{
		rpcEnv: "rpc", nodeEnv: "node", hubEnv: "hub", "BLOCKSTACK_NETWORK": "network", "BLOCKSTACK_RPC_USER": "rpc-user",
		"BLOCKSTACK_RPC_PASS": "rpc-pass", logLevelEnv: "log-level", logFormatEnv: "log-format",
		"BLOCKSTACK_HUB_LISTEN": "listen", "BLOCKSTACK_NODE_API_ADDR": "api-addr", "BLOCKSTACK_CONFIG_FILE": "config-file",
	} {
		if f := owner[env]; f == nil || f.Name != flag {
			t.Errorf("$%s sets %v, want --%s", env, f, flag)
		}
	}
}

// settingsVariables are the variables of root's flags, each with the
// flag it sets (an alias shared by several flags, with one of them). It
// fails the test if a server's flag has none or two flags share the
// rule's name.
func settingsVariables(t *testing.T, root *cobra.Command) map[string]*pflag.Flag {
	t.Helper()
	owner := map[string]*pflag.Flag{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			table, ok := flagTable(c, f.Name)
			if !ok && commandTable(c) != "" && c.Parent() == root {
				t.Errorf("blockstack %s --%s has no variable", c.Name(), f.Name)
			}
			for _, env := range envNames(f, table, ok) {
				if prev := owner[env]; prev != nil && prev != f {
					if prev.Annotations[envAnnotation] == nil || f.Annotations[envAnnotation] == nil {
						t.Errorf("$%s sets --%s and --%s", env, prev.Name, f.Name)
					}
				}
				owner[env] = f
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return owner
}

// TestConfigCheck: config check names the file and each bad key (and the
// line of a syntax error), exits non-zero on any, and prints what a good
// file sets, without its secrets.
func TestConfigCheck(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string // in the error, or the output when wantOK
		wantOK     bool
	}{
		{"unknown key", "[hub]\nlisen = \"x\"\n", []string{"[hub] lisen: unknown key: blockstack hub has no --lisen flag"}, false},
		{"unknown global", "colour = \"x\"\n", []string{"colour: unknown key: not a global flag"}, false},
		{"server's flag at the top", "api-addr = \"x\"\n", []string{"api-addr: not a global flag but a server's: put it in [node] or [devnet]"}, false},
		{"unknown table", "[wallet]\nx = 1\n", []string{"wallet: no such table"}, false},
		{"bad value", "[registrar]\nbatch-delay = 30\n", []string{`[registrar] batch-delay: bad value for --batch-delay: time: missing unit in duration "30"`}, false},
		{"bad enum", "[hub]\nlog-level = \"loud\"\n", []string{`[hub] log-level: bad value for --log-level: "loud" is not a log level`}, false},
		{"list for one value", "[node]\napi-addr = [\"a\", \"b\"]\n", []string{"[node] api-addr: --api-addr takes one value, not a list"}, false},
		{"a table as a value", "[node]\natlas = { addr = \"x\" }\n", []string{"[node] atlas: unknown key"}, false},
		{"itself", "config-file = \"other.toml\"\n", []string{"config-file: a settings file cannot name another"}, false},
		{"syntax", "network = \"regtest\"\nrpc = = 1\n", []string{"line 2"}, false},
		{"every bad key", "[hub]\nlisen = 1\n[dns]\nlisten = []\n", []string{"[hub] lisen", "[dns] listen"}, false},
		{"good", "network = \"regtest\"\nrpc-pass = \"hunter2\"\n[node]\natlas-seeds = [\"a:1\", \"b:2\"]\n[registrar]\nnode = \"http://n:6270\"\nbatch-delay = \"1m\"\n",
			[]string{"every command:           --network=regtest", "--rpc-pass=(secret, not shown)", "blockstack node:         --atlas-seeds=[a:1,b:2]",
				"blockstack registrar:    --batch-delay=1m0s", "blockstack registrar:    --node=http://n:6270"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "b.toml", tc.file)
			stdout, _, err := runRoot(t, "config", "check", path)
			if tc.wantOK {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(stdout, "hunter2") {
					t.Errorf("the secret is printed:\n%s", stdout)
				}
				for _, w := range tc.want {
					if !strings.Contains(stdout, w) {
						t.Errorf("output lacks %q:\n%s", w, stdout)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; output:\n%s", stdout)
			}
			for _, w := range append(tc.want, "settings file "+path+": ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestSettingsFileCheckedByEveryCommand: a command run with a settings
// file refuses a bad key anywhere in it, even in another server's table,
// before it does anything.
func TestSettingsFileCheckedByEveryCommand(t *testing.T) {
	path := writeFile(t, "b.toml", "[registrar]\nbatch-dely = \"1s\"\n")
	_, _, err := runRoot(t, "--config-file", path, "hub", "--listen", freeAddr(t))
	if err == nil || !strings.Contains(err.Error(), "[registrar] batch-dely: unknown key") {
		t.Fatalf("hub with a bad settings file: %v", err)
	}
	t.Setenv("BLOCKSTACK_CONFIG_FILE", filepath.Join(t.TempDir(), "missing.toml"))
	if _, _, err = runRoot(t, "chain", "tip"); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Fatalf("with a settings file that is not there: %v", err)
	}
}

// TestRequiredFlagFromSettings: a required flag (registrar --domain) may
// come from the file: what the file sets counts as given.
func TestRequiredFlagFromSettings(t *testing.T) {
	path := writeFile(t, "b.toml", "[registrar]\ndomain = \"not a name\"\n")
	_, _, err := runRoot(t, "--config-file", path, "registrar")
	if err == nil || !strings.Contains(err.Error(), "--domain") || strings.Contains(err.Error(), "required flag") {
		t.Fatalf("registrar with --domain from the file: %v, want the domain refused as a name", err)
	}
}
