//go:build unix

// Package btcdtest starts a real btcd on regtest for integration tests: its
// own process group, random loopback ports, a temporary data directory, RPC
// over plain HTTP with a transaction index, stopped when the test ends.
//
// It owns only the btcd processes it starts and their temporary
// directories; it must not be imported by non-test code.
//
// btcd is looked up on PATH, then in $(go env GOPATH)/bin. When it is
// missing, Start skips the test, or fails it when the environment variable
// CI is true (CI must run the integration tests). Install it with
//
//	go install github.com/btcsuite/btcd@v0.26.2
package btcdtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// Version is the btcd release the harness is written against.
const Version = "v0.26.2"

// InstallHint says how to get the btcd binary.
const InstallHint = "go install github.com/btcsuite/btcd@" + Version +
	" && go install github.com/btcsuite/btcd/cmd/btcctl@" + Version

// Options configure a node.
type Options struct {
	// MiningAddr is btcd's --miningaddr, where generate pays. Empty means a
	// fresh random regtest P2PKH address.
	MiningAddr string
	// Args are extra btcd flags.
	Args []string
	// StartTimeout bounds the wait for the RPC server (default 30s).
	StartTimeout time.Duration
}

// Node is a running regtest btcd.
type Node struct {
	// RPCHost is the RPC server's host:port (plain HTTP).
	RPCHost string
	// P2PHost is the peer-to-peer listener's host:port.
	P2PHost string
	// User and Pass authenticate RPC calls.
	User, Pass string
	// MiningAddr is the --miningaddr in use.
	MiningAddr string
	// Params are the regtest parameters.
	Params *chaincfg.Params
	// Dir holds the node's data, logs and captured output (btcd.out).
	Dir string
}

// Start runs a btcd and waits until its RPC server answers. The node stops
// (process group killed and reaped) when t's cleanup runs.
func Start(t testing.TB, opts Options) *Node {
	t.Helper()
	bin := testbin.Require(t, "btcd", InstallHint, "integration tests against a real btcd")
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	params := &chaincfg.RegressionNetParams
	if opts.MiningAddr == "" {
		opts.MiningAddr = randomAddress(t, params)
	}
	// A free port can be taken between our probe and btcd's bind: retry.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		n, err := start(t, bin, params, opts)
		if err == nil {
			return n
		}
		lastErr = err
		t.Logf("btcdtest: attempt %d: %v", attempt+1, err)
	}
	t.Fatalf("btcdtest: could not start btcd: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string, params *chaincfg.Params, opts Options) (*Node, error) {
	dir := t.TempDir() // registered before the stop cleanup, so removed after it
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	n := &Node{
		RPCHost:    ports[0],
		P2PHost:    ports[1],
		User:       "btcdtest",
		Pass:       "btcdtest",
		MiningAddr: opts.MiningAddr,
		Params:     params,
		Dir:        dir,
	}
	conf := filepath.Join(dir, "btcd.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		return nil, err
	}
	args := append([]string{
		"--regtest",
		"--configfile=" + conf,
		"--datadir=" + filepath.Join(dir, "data"),
		"--logdir=" + filepath.Join(dir, "logs"),
		"--rpclisten=" + n.RPCHost,
		"--listen=" + n.P2PHost,
		"--rpcuser=" + n.User,
		"--rpcpass=" + n.Pass,
		"--notls",
		"--txindex",
		"--miningaddr=" + n.MiningAddr,
	}, opts.Args...)
	err = testbin.Start(t, "btcd", bin, args, dir, func(exited <-chan struct{}) error {
		return n.waitReady(exited, opts.StartTimeout)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Client returns an rpcclient for the node (HTTP POST mode, no TLS), shut
// down when t's cleanup runs.
func (n *Node) Client(t testing.TB) *rpcclient.Client {
	t.Helper()
	c, err := rpcclient.New(&rpcclient.ConnConfig{
		Host: n.RPCHost, User: n.User, Pass: n.Pass,
		HTTPPostMode: true, DisableTLS: true,
	}, nil)
	if err != nil {
		t.Fatalf("btcdtest: rpc client: %v", err)
	}
	t.Cleanup(c.Shutdown)
	return c
}

// waitReady polls getblockcount until it succeeds, btcd exits or timeout.
func (n *Node) waitReady(exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: 2 * time.Second}
	body := []byte(`{"jsonrpc":"1.0","id":1,"method":"getblockcount","params":[]}`)
	for {
		req, err := http.NewRequest("POST", "http://"+n.RPCHost, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.SetBasicAuth(n.User, n.Pass)
		if resp, err := hc.Do(req); err == nil {
			var r struct {
				Result *int64          `json:"result"`
				Error  json.RawMessage `json:"error"`
			}
			err := json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if err == nil && r.Result != nil {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("btcd exited before its RPC server answered")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("btcd RPC at %s not ready after %v", n.RPCHost, timeout)
		}
	}
}

func freePorts(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var addrs []string
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

func randomAddress(t testing.TB, params *chaincfg.Params) string {
	k, err := btcec.NewPrivateKey()
	if err != nil {
		t.Fatalf("btcdtest: key: %v", err)
	}
	a, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(k.PubKey().SerializeCompressed()), params)
	if err != nil {
		t.Fatalf("btcdtest: address: %v", err)
	}
	return a.EncodeAddress()
}
