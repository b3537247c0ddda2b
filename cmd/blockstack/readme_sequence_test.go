package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadmeSequenceOnDevnet: README.md's install lines and the block it
// says works "as typed" on a devnet, run as written by a new user (an empty
// home directory, so the default wallet is theirs): the install lines build
// blockstack into a GOPATH of their own and put it on PATH, and the typed
// block runs, in one shell, with that PATH, against a devnet on free ports
// that it finds through the variables the devnet prints as export lines
// (so that it collides neither with another test run nor with a devnet of
// the user's own). The last command, whois, reports the name registered
// with the hash of the zone file the block writes.
func TestReadmeSequenceOnDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	install := readmeBlock(t, "## Install the command")
	typed := readmeBlock(t, "this works as typed")
	if !strings.Contains(typed, "<<'EOF'") || !strings.HasPrefix(lastLine(typed), "blockstack whois") {
		t.Fatalf("README.md's typed block should write its zone file (a heredoc) and end in whois:\n%s", typed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The install lines, from the repository's root, into a GOPATH of
	// their own (the module cache stays where it is).
	gopath := t.TempDir()
	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	sh := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", install+"\necho \"PATH=$PATH\"\n")
	sh.Dir = repoRoot
	sh.Env = append(os.Environ(), "GOPATH="+gopath, "GOMODCACHE="+strings.TrimSpace(string(modcache)), "GOBIN=")
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("README.md's install lines: %v\n%s", err, out)
	}
	path := lastLine(string(out))
	if !strings.HasPrefix(path, "PATH="+filepath.Join(gopath, "bin")+":") {
		t.Fatalf("after the install lines %s, want the GOPATH's bin first", path)
	}
	bin := filepath.Join(gopath, "bin", "blockstack")
	if _, err = os.Stat(bin); err != nil {
		t.Fatalf("the install lines made no %s: %v", bin, err)
	}

	devnet := startDevnetWith(t, bin, t.TempDir(), "--block-interval", "500ms")
	home, work := t.TempDir(), t.TempDir()
	sh = exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", typed)
	sh.Dir = work
	sh.Env = append(os.Environ(), "HOME="+home, path,
		rpcEnv+"="+devnet.rpc, nodeEnv+"="+devnet.api, hubEnv+"="+devnet.hub)
	out, err = sh.Output()
	if err != nil {
		t.Fatalf("README.md's typed block: %v\n%s%s", err, out, stderrOf(err))
	}
	zone, err := os.ReadFile(filepath.Join(work, "alice.zone"))
	if err != nil {
		t.Fatal(err)
	}
	// whois prints one JSON document, last.
	last := string(out)
	if i := strings.LastIndex(last, "\n{"); i >= 0 {
		last = last[i+1:]
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(last), &got); err != nil {
		t.Fatalf("whois printed %q: %v", last, err)
	}
	if !strings.Contains(last, `"alice.test"`) || !strings.Contains(last, zonefileHash(string(zone))) || !strings.Contains(last, `"registered"`) {
		t.Errorf("whois alice.test: %s\nwant the name registered with hash %s", last, zonefileHash(string(zone)))
	}
}

// readmeBlock is the first ```sh block of README.md after marker.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	_, block, ok := strings.Cut(readmeAfter(t, marker), "```sh\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatalf("README.md has no sh block after %q", marker)
	}
	return block
}

// lastLine is s's last non-empty line.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// stderrOf is what a failed command wrote to stderr, if err says.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
