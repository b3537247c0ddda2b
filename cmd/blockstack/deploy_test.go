package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// deployDir holds the example settings and the systemd units.
var deployDir = filepath.Join(repoRoot, "deploy")

// TestDeploySettings: every example settings file passes config check,
// and the example hub.json loads as blockstack hub --config reads it.
func TestDeploySettings(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(deployDir, "*.toml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no deploy/*.toml: %v", err)
	}
	for _, f := range files {
		if _, _, cerr := runRoot(t, "config", "check", f); cerr != nil {
			t.Errorf("config check %s: %v", f, cerr)
		}
	}
	// The node of the example starts: its network, rule set and first
	// block are ones blockstack node takes.
	example := filepath.Join(deployDir, "blockstack.toml")
	node := parsed(t, []string{"node"}, "--config-file", example)
	if err = loadSettings(node, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	flag := func(name string) string { return node.Flags().Lookup(name).Value.String() }
	first, err := strconv.ParseInt(flag("first-block"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = firstBlock(flag("network"), first, flag("rule-set")); err != nil {
		t.Errorf("%s: the node would not start: %v", example, err)
	}
	cfg, err := loadHubConfig(filepath.Join(deployDir, "hub.json"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ReadURL == "" {
		t.Errorf("deploy/hub.json sets no readURL: a public hub needs one")
	}
}

// unit is what a test reads of a systemd unit: its ExecStart and its
// Environment= assignments.
type unit struct {
	execStart []string
	env       map[string]string
}

func readUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{env: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		switch {
		case !ok:
		case key == "ExecStart":
			u.execStart = strings.Fields(value)
		case key == "Environment":
			name, v, _ := strings.Cut(value, "=")
			u.env[name] = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestDeploySystemdUnits: each unit runs blockstack with arguments it
// takes, sets only variables some flag reads, names the example settings
// file, and passes systemd-analyze verify when systemd is on the machine.
func TestDeploySystemdUnits(t *testing.T) {
	units, err := filepath.Glob(filepath.Join(deployDir, "systemd", "*.service"))
	if err != nil || len(units) == 0 {
		t.Fatalf("no deploy/systemd/*.service: %v", err)
	}
	vars := settingsVariables(t, newRootCmd())
	const bin = "/usr/local/bin/blockstack"
	for _, path := range units {
		t.Run(filepath.Base(path), func(t *testing.T) {
			u := readUnit(t, path)
			if len(u.execStart) < 2 || u.execStart[0] != bin {
				t.Fatalf("ExecStart %q: want %s COMMAND ...", u.execStart, bin)
			}
			if _, _, err := runRoot(t, append(u.execStart[1:], "--help")...); err != nil {
				t.Errorf("blockstack %s: %v", strings.Join(u.execStart[1:], " "), err)
			}
			for name, value := range u.env {
				if vars[name] == nil {
					t.Errorf("Environment=%s: no flag reads it", name)
				}
				if name == "BLOCKSTACK_CONFIG_FILE" {
					if _, err := os.Stat(filepath.Join(deployDir, filepath.Base(value))); err != nil {
						t.Errorf("Environment=%s=%s: deploy/ has no such example: %v", name, value, err)
					}
				}
			}
			if u.env["BLOCKSTACK_CONFIG_FILE"] == "" {
				t.Errorf("the unit names no settings file")
			}
		})
	}
	t.Run("systemd-analyze verify", func(t *testing.T) {
		analyze, err := exec.LookPath("systemd-analyze")
		if err != nil {
			t.Skip("systemd-analyze is not installed: the units' syntax is not checked")
		}
		// verify wants ExecStart's program to exist: this test's own
		// binary stands in for blockstack.
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		var copies []string
		for _, path := range units {
			b, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			cp := filepath.Join(dir, filepath.Base(path))
			if werr := os.WriteFile(cp, []byte(strings.ReplaceAll(string(b), bin, self)), 0o644); werr != nil {
				t.Fatal(werr)
			}
			copies = append(copies, cp)
		}
		out, err := exec.Command(analyze, append([]string{"verify"}, copies...)...).CombinedOutput()
		// It exits 0 on unknown keys, which it only reports: any line
		// about a unit is a failure.
		if err != nil || strings.Contains(string(out), dir) {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	})
}
