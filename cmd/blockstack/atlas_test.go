package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/internal/metrics/metricstest"
	"github.com/go-blockstack/go-blockstack/internal/runner"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// TestNodeAtlasGossipsPublishedZonefiles: the wiring of `node` and
// `devnet` in process. Two nodes' name databases name the same zone file;
// a client publishes it through one node's REST API, and Atlas carries it
// to the other node's store.
func TestNodeAtlasGossipsPublishedZonefiles(t *testing.T) {
	g := globalFlags{network: "devnet"}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	zf := []byte("$ORIGIN alice.id\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example/alice/profile.json\"\n")
	h := zonefile.HashOf(zf)
	open := func() (*namedb.DB, *store.Store) {
		dir := t.TempDir()
		db, err := namedb.Open(filepath.Join(dir, "names.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		for height := int64(1); height <= 3; height++ {
			var tx *namedb.Tx
			if tx, err = db.Begin(ctx, height); err != nil {
				t.Fatal(err)
			}
			if height == 2 {
				if err = tx.AddZonefileHash(namedb.ZonefileHash{Vtxindex: 1, Txid: "aa", Name: "alice.id", Hash: h.String()}); err != nil {
					t.Fatal(err)
				}
			}
			if err = tx.Commit(namedb.Block{Height: height, Hash: fmt.Sprintf("%064x", height),
				ConsensusHash: fmt.Sprintf("%032x", height), OpsHash: "00"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		zfs, err := openZonefiles(dir, db, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { zfs.Close() })
		return db, zfs
	}
	dbA, zfsA := open()
	dbB, zfsB := open()
	// run runs a peer and its RPC server until the test ends, its metrics
	// in reg.
	run := func(f atlasFlags, db *namedb.DB, zfs *store.Store, reg *prometheus.Registry) *atlas.Node {
		at, ln, err := openAtlas(g, f, net.Listen, db, zfs, reg, log)
		if err != nil {
			t.Fatal(err)
		}
		var grp runner.Group
		grp.Add("Atlas", at.Run)
		grp.Add("Atlas RPC", func(ctx context.Context) error { return httpserve.Serve(ctx, ln, at.Handler(), log) })
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- grp.Run(runCtx) }()
		t.Cleanup(func() {
			stop()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
		return at
	}
	regA, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
	atB := run(atlasFlags{addr: "127.0.0.1:0"}, dbB, zfsB, regB)
	atA := run(atlasFlags{addr: "127.0.0.1:0", seeds: []string{atB.Addr()}}, dbA, zfsA, regA)
	waitfor.True(t, 10*time.Second, "A takes its seed B as a neighbour", func() bool { return atA.Status().Neighbours == 1 })

	handler, err := newHTTP(g, dbA, zfsA, 1, atA, nil, nil, nil, nil, 0, nil, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(handler)
	defer api.Close()
	body, _ := json.Marshal(map[string]string{"zonefile": string(zf)})
	resp, err := http.Post(api.URL+"/v1/zonefile", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /v1/zonefile: HTTP %d %s", resp.StatusCode, out)
	}
	waitfor.True(t, 5*time.Second, "the zone file reaches B", func() bool { return zfsB.Has(h) })
	// The metrics say so, once each side has counted: A sent it (pushed,
	// or B pulled it), and B misses nothing.
	var mA, mB metricstest.Families
	waitfor.True(t, 5*time.Second, "the metrics show the zone file sent", func() bool {
		mA, mB = metricstest.ScrapeRegistry(t, regA), metricstest.ScrapeRegistry(t, regB)
		pushed, _ := mA.Lookup("blockstack_atlas_pushes_total", "result", "ok")
		saved, _ := mB.Lookup("blockstack_atlas_received_zonefiles_total", "result", "saved")
		pulled, _ := mB.Lookup("blockstack_atlas_pulled_zonefiles_total")
		missing, _ := mB.Lookup("blockstack_atlas_zonefiles_missing")
		return (pushed >= 1 && saved >= 1 || pulled >= 1) && missing == 0
	})
	if got := mA.Value(t, "blockstack_atlas_peer_health", "peer", atB.Addr()); got < 0 || got > 1 {
		t.Errorf("A's health of B: %v", got)
	}
	if got := mA.Value(t, "blockstack_atlas_neighbours"); got != 1 {
		t.Errorf("A has %v neighbours, want 1", got)
	}
	// The explorer beside the API shows A's Atlas peer.
	if resp, err := http.Get(api.URL + "/"); err != nil {
		t.Fatal(err)
	} else {
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "<dt>zone files named</dt><dd>1</dd>") {
			t.Fatalf("the explorer does not show the Atlas status:\n%s", page)
		}
	}
	if got, err := zfsB.Get(h); err != nil || !bytes.Equal(got, zf) {
		t.Fatalf("B's copy: %q, %v", got, err)
	}
}

// freeAddr is a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// atlasPeers asks an Atlas peer for its peers, as another peer does.
func atlasPeers(addr string) ([]string, error) {
	resp, err := http.Post("http://"+addr+atlas.Path, "application/json", strings.NewReader(`{"method":"peer_exchange"}`))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var rep struct {
		Result struct {
			Peers []string `json:"peers"`
		} `json:"result"`
	}
	err = json.NewDecoder(resp.Body).Decode(&rep)
	return rep.Result.Peers, err
}

// TestDevnetAndNodeAtlasPeer: `devnet` and a `node` following it, each
// with its Atlas peer on the flags' addresses; the node, seeded with the
// devnet's peer, passes its checks (same network, same consensus hashes
// from their own name databases) and the devnet takes it as a peer.
func TestDevnetAndNodeAtlasPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	devAtlas, nodeAtlas := freeAddr(t), freeAddr(t)
	var err error
	dev := startDevnetWith(t, bin, t.TempDir(), "--rpc-addr", freeAddr(t), "--atlas-addr", devAtlas)
	var info *atlas.Info
	waitfor.True(t, 30*time.Second, "the devnet's Atlas peer reports the indexed chain", func() bool {
		info, err = atlas.GetInfo(context.Background(), http.DefaultClient, devAtlas)
		return err == nil && info.LastBlock >= 101
	})
	if info.Network != "devnet" || info.Consensus == "" {
		t.Fatalf("devnet's Atlas getinfo: %+v", info)
	}
	node := exec.Command(bin, "--rpc", dev.rpc, "node", "--data-dir", t.TempDir(), "--api-addr", "127.0.0.1:0",
		"--atlas-addr", nodeAtlas, "--atlas-seeds", devAtlas)
	if err = node.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		node.Process.Signal(syscall.SIGINT)
		node.Wait()
	})
	waitfor.True(t, 60*time.Second, "the devnet's Atlas peer lists the node's", func() bool {
		peers, _ := atlasPeers(devAtlas)
		return slices.Contains(peers, nodeAtlas)
	})
	if peers, _ := atlasPeers(nodeAtlas); !slices.Contains(peers, devAtlas) {
		t.Errorf("the node's Atlas peer lists %v, not its seed %s", peers, devAtlas)
	}
}
