package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/internal/syncbuf"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/namedb"
)

// stopDeadline bounds a server's stop after SIGTERM: its HTTP servers'
// 5 s grace for requests in flight, and a margin for a loaded machine.
const stopDeadline = 15 * time.Second

// TestHubSIGTERMUnderLoad: `blockstack hub` stopped by SIGTERM while
// clients store files exits 0 within the deadline, and after a restart on
// the same storage every store it acknowledged reads back whole.
func TestHubSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	hub := startHubProcess(t, bin, nil, "--data-dir", dir)
	ctx := context.Background()

	const writers = 8
	// Big enough that a store takes a while, so that some are in flight
	// when the signal comes.
	content := func(w, i int) []byte {
		return bytes.Repeat([]byte(fmt.Sprintf("writer %d file %d|", w, i)), 16<<10)
	}
	type write struct{ writer, file int }
	var (
		mu       sync.Mutex
		acked    []write
		signaled bool
	)
	started := make(chan struct{}) // closed once enough stores succeeded
	var once sync.Once
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		c, err := storage.Connect(ctx, storage.Config{HubURL: hub.url, AppKey: gaiatest.Key(fmt.Sprintf("stop-%d", w))})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				_, err := c.PutFile(ctx, fmt.Sprintf("f%d", i), content(w, i), storage.PutOptions{ContentType: "text/plain"})
				mu.Lock()
				after := signaled
				if err == nil {
					acked = append(acked, write{w, i})
					if len(acked) == 4*writers {
						once.Do(func() { close(started) })
					}
				}
				mu.Unlock()
				if err != nil {
					if !after {
						errs <- fmt.Errorf("writer %d, file %d, before SIGTERM: %w", w, i, err)
					}
					return // the hub is gone: the rest is refused
				}
			}
		}()
	}
	select {
	case <-started:
	case err := <-errs:
		t.Fatal(err)
	}
	mu.Lock()
	signaled = true
	before := len(acked)
	mu.Unlock()
	sent := time.Now()
	if err := hub.stop(syscall.SIGTERM); err != nil {
		t.Errorf("hub after SIGTERM: %v, want exit status 0", err)
	}
	took := time.Since(sent)
	if took > stopDeadline {
		t.Errorf("hub took %s to stop after SIGTERM, want under %s", took, stopDeadline)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d stores acknowledged (%d of them after SIGTERM was sent), stop took %s", len(acked), len(acked)-before, took)

	url, _ := startHubBinary(t, bin, nil, "--data-dir", dir)
	readers := map[int]*storage.Hub{}
	for _, a := range acked {
		r := readers[a.writer]
		if r == nil {
			var err error
			if r, err = storage.Connect(ctx, storage.Config{HubURL: url, AppKey: gaiatest.Key(fmt.Sprintf("stop-%d", a.writer))}); err != nil {
				t.Fatal(err)
			}
			readers[a.writer] = r
		}
		got, _, err := r.GetFile(ctx, fmt.Sprintf("f%d", a.file), storage.GetOptions{})
		if err != nil || !bytes.Equal(got, content(a.writer, a.file)) {
			t.Errorf("writer %d file %d, acknowledged before the stop: %d bytes read back, %v", a.writer, a.file, len(got), err)
		}
	}
}

// TestNodeSIGTERMWhileIndexing: `blockstack node` stopped by SIGTERM while
// blocks keep coming and clients read /v1/info exits 0 within the
// deadline, and its database holds every block the API reported
// processed.
func TestNodeSIGTERMWhileIndexing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	c, cerr := devchain.Open(devchain.Config{DataDir: filepath.Join(dir, "chain"), NoSync: true, CoinbaseMaturity: 1})
	if cerr != nil {
		t.Fatal(cerr)
	}
	defer c.Close()
	rpcSrv := httptest.NewServer(devchain.NewRPCServer(c, "u", "p"))
	defer rpcSrv.Close()
	api := freeAddr(t)
	node := exec.Command(bin, "--rpc", strings.TrimPrefix(rpcSrv.URL, "http://"), "--rpc-user", "u",
		"node", "--data-dir", filepath.Join(dir, "node"), "--api-addr", api, "--atlas-addr", "")
	node.Env = append(os.Environ(), "BLOCKSTACK_RPC_PASS=p") // not on the command line
	var stderr syncbuf.Buffer
	node.Stderr = &stderr
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- node.Wait() }()
	defer node.Process.Kill()

	// processed is the highest last_block_processed /v1/info answered.
	var processed atomic.Int64
	info := func() error {
		resp, err := http.Get("http://" + api + "/v1/info")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var v struct {
			LastBlockProcessed int64 `json:"last_block_processed"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			return err
		}
		for {
			p := processed.Load()
			if v.LastBlockProcessed <= p || processed.CompareAndSwap(p, v.LastBlockProcessed) {
				return nil
			}
		}
	}
	waitfor.True(t, time.Minute, "the node's API", func() bool { return info() == nil })
	start := processed.Load()

	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // new blocks, back to back
		defer wg.Done()
		for ctx.Err() == nil {
			if _, err := c.Mine(ctx, 1); err != nil && ctx.Err() == nil {
				t.Errorf("mine: %v", err)
				return
			}
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() { // readers, until the node is gone
			defer wg.Done()
			for ctx.Err() == nil && info() == nil {
			}
		}()
	}
	waitfor.True(t, time.Minute, "the node indexing new blocks", func() bool { return processed.Load() >= start+20 })
	sent := time.Now()
	if err := node.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("node after SIGTERM: %v, want exit status 0\n%s", err, &stderr)
		}
	case <-time.After(stopDeadline):
		t.Fatalf("node runs on %s after SIGTERM\n%s", stopDeadline, &stderr)
	}
	took := time.Since(sent)
	stopLoad()
	wg.Wait()

	db, err := namedb.Open(filepath.Join(dir, "node", "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	last, _, err := db.LastBlock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if last.Height < processed.Load() {
		t.Errorf("the database ends at block %d, the API reported %d processed", last.Height, processed.Load())
	}
	t.Logf("stopped in %s at block %d (the API last reported %d)", took, last.Height, processed.Load())
}

// TestHubSurvivesSIGHUP: a server with no certificate to reload keeps
// serving through a SIGHUP rather than dying of it.
func TestHubSurvivesSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	hub := startHubProcess(t, buildBinary(t), nil, "--data-dir", t.TempDir())
	if err := hub.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// A process runs no code of its own after a signal is sent before the
	// signal is delivered: an answer now means the hub lived through it.
	res, err := http.Get(hub.url + "/hub_info")
	if err != nil {
		t.Fatalf("the hub after SIGHUP: %v", err)
	}
	res.Body.Close()
	if hub.cmd.ProcessState != nil {
		t.Fatalf("the hub exited: %v", hub.cmd.ProcessState)
	}
}
