package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/internal/metrics/metricstest"
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
	metricsAddr := freeAddr(t)
	node := exec.Command(bin, "--rpc", rpc, "node", "--data-dir", nodeDir, "--atlas-addr", "127.0.0.1:0", "--metrics-addr", metricsAddr)
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
	// Its metrics: the indexer at the tip, which the node read over RPC.
	m := metricstest.Scrape(t, "http://"+metricsAddr+"/metrics")
	height, err := strconv.ParseFloat(tip, 64)
	if err != nil {
		t.Fatal(err)
	}
	if h, chainTip, lag := m.Value(t, "blockstack_indexer_height"), m.Value(t, "blockstack_indexer_chain_tip_height"),
		m.Value(t, "blockstack_indexer_lag_blocks"); h != height || chainTip != height || lag != 0 {
		t.Errorf("indexer height %v, chain tip %v, lag %v; want %v, %v, 0", h, chainTip, lag, height, height)
	}
	if got := m.Value(t, "blockstack_indexer_block_apply_seconds"); got < height {
		t.Errorf("block apply times observed: %v, want ≥ %v", got, height)
	}
	if _, ok := m.Lookup("blockstack_atlas_zonefiles"); !ok {
		t.Error("no Atlas metrics")
	}
}

// TestNodeStopsWhenAServiceFails: a node whose API listener is closed
// under its server stops every other service and returns the failure,
// named after the service, which the binary prints as its error and exits
// 1 with.
func TestNodeStopsWhenAServiceFails(t *testing.T) {
	dir := t.TempDir()
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(dir, "chain"), NoSync: true, CoinbaseMaturity: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rpcSrv := httptest.NewServer(devchain.NewRPCServer(c, "u", "p"))
	defer rpcSrv.Close()
	g := globalFlags{network: "devnet", rpcAddr: strings.TrimPrefix(rpcSrv.URL, "http://"), rpcUser: "u", rpcPass: "p"}
	listeners := make(chan net.Listener, 1)
	cfg := nodeConfig{dataDir: filepath.Join(dir, "node"), first: 1, apiAddr: "127.0.0.1:0",
		listen: func(network, addr string) (net.Listener, error) {
			ln, err := net.Listen(network, addr)
			if err == nil {
				listeners <- ln
			}
			return ln, err
		}}
	done := make(chan error, 1)
	go func() { done <- runNode(context.Background(), g, cfg, "", io.Discard, slog.New(slog.DiscardHandler)) }()
	var api net.Listener
	select {
	case api = <-listeners:
	case err := <-done:
		t.Fatalf("the node stopped before it listened: %v", err)
	}
	waitfor.True(t, 10*time.Second, "the API answers", func() bool {
		resp, err := http.Get("http://" + api.Addr().String() + "/v1/node/ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	api.Close()
	select {
	case err := <-done:
		if err == nil || !strings.HasPrefix(err.Error(), "API: ") {
			t.Fatalf("runNode after its API listener closed: %v, want the API's failure", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the node runs on without its API")
	}
}
