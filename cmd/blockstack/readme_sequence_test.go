package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// devnetDefaults are the addresses a devnet serves on when given none,
// which every other command looks for when given no --rpc, --node or hub.
var devnetDefaults = []string{"--rpc-addr", "127.0.0.1:16443", "--api-addr", "127.0.0.1:16270",
	"--hub-addr", "127.0.0.1:14000", "--app-addr", "127.0.0.1:16280", "--atlas-addr", "127.0.0.1:16264"}

// TestReadmeSequenceOnDevnet: the commands README.md says work "as typed"
// on a devnet run as typed, by a new user (an empty home directory, so the
// default wallet is theirs), with no flag naming the node, the chain or the
// wallet, against a devnet on its default addresses; the last, whois,
// reports the name registered with the zone file's hash.
func TestReadmeSequenceOnDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for i := 1; i < len(devnetDefaults); i += 2 {
		ln, err := net.Listen("tcp", devnetDefaults[i])
		if err != nil {
			msg := "a devnet's default address " + devnetDefaults[i] + " is in use (a devnet running?): " + err.Error()
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		ln.Close()
	}
	lines := readmeTypedSequence(t)
	bin := buildBinary(t)
	startDevnetWith(t, bin, t.TempDir(), append(devnetDefaults, "--block-interval", "500ms")...)

	home, work := t.TempDir(), t.TempDir()
	const zone = "$ORIGIN alice.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example/alice/profile.json\"\n"
	if err := os.WriteFile(filepath.Join(work, "alice.zone"), []byte(zone), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var last string
	for _, line := range lines {
		sh := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", line)
		sh.Dir = work
		sh.Env = append(os.Environ(), "HOME="+home, "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
		out, err := sh.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		last = string(out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(last), &got); err != nil {
		t.Fatalf("whois printed %q: %v", last, err)
	}
	if !strings.Contains(last, `"alice.test"`) || !strings.Contains(last, zonefileHash(zone)) || !strings.Contains(last, `"registered"`) {
		t.Errorf("whois alice.test: %s\nwant the name registered with hash %s", last, zonefileHash(zone))
	}
}

// readmeTypedSequence is the shell block after "this works as typed" in
// README.md, one command line each (continuations joined), without the
// line that starts the devnet, which the test starts itself.
func readmeTypedSequence(t *testing.T) []string {
	t.Helper()
	_, block, _ := strings.Cut(readmeAfter(t, "this works as typed"), "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.Contains(l, " devnet") {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) < 3 || !strings.HasPrefix(lines[len(lines)-1], "blockstack whois") {
		t.Fatalf("README.md's typed sequence is %q: want blockstack commands ending in whois", lines)
	}
	return lines
}
