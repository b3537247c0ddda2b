package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// TestNodeFollowsDevnetOverRPC: a second process, `blockstack node`,
// follows a running devnet through its JSON-RPC exactly as it would follow
// btcd, and reaches the devnet's own in-process node's tip and consensus
// hash.
func TestNodeFollowsDevnetOverRPC(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	devDir := t.TempDir()
	rpc := startDevnetIn(t, bin, devDir)
	nodeDir := t.TempDir()
	node := exec.Command(bin, "--rpc", rpc, "node", "--data-dir", nodeDir, "--atlas-addr", "127.0.0.1:0")
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		node.Process.Signal(syscall.SIGINT)
		node.Wait()
	})
	mustCLI(t, bin, rpc, "chain", "mine", "5")
	tip := strings.Fields(mustCLI(t, bin, rpc, "chain", "tip"))[0]
	var devnet, ours string
	if !waitfor.Poll(30*time.Second, func() bool {
		devnet = mustCLI(t, bin, rpc, "node", "status", "--data-dir", filepath.Join(devDir, "node"))
		ours = mustCLI(t, bin, rpc, "node", "status", "--data-dir", nodeDir)
		return strings.HasPrefix(devnet, "height "+tip+"\n") && devnet == ours
	}) {
		t.Fatalf("node did not reach the devnet's state at height %s:\ndevnet:\n%s\nnode:\n%s", tip, devnet, ours)
	}
	want := ours
	if !strings.Contains(want, "consensus ") {
		t.Fatalf("status without a consensus hash:\n%s", want)
	}
}
