package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// lyingNode is a REST API in front of an honest node that changes its
// answers with lie (nil: passes them on as they are).
func lyingNode(t *testing.T, honest string, lie func(path string, body []byte) []byte) string {
	return rewritingNode(t, honest, nil, lie)
}

// rewritingNode is lyingNode that may also change what it asks the honest
// node (rewrite, if not nil), to answer one question with another's
// honest answer.
func rewritingNode(t *testing.T, honest string, rewrite func(u *url.URL), lie func(path string, body []byte) []byte) string {
	t.Helper()
	target, _ := url.Parse(honest)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := *r.URL
		if rewrite != nil {
			rewrite(&u)
		}
		resp, err := http.Get(target.String() + u.RequestURI())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if lie != nil && resp.StatusCode == http.StatusOK {
			body = lie(r.URL.Path, body)
		}
		for k, vs := range resp.Header {
			if k != "Content-Length" { // the body may have changed
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestVerifiedLookup: whois and lookup with --trust (a consensus hash)
// or --trust-nodes (nodes that agree) prove a name's record by the state
// root its block commits to, and the operations that set it by SNV,
// against a devnet's node; they prove that an unregistered name is not
// registered; and they refuse a node that lies in every way the test can
// make one lie: another owner, zone file hash, expiry or revocation in
// the record, a name claimed unregistered or registered, a stale state, a
// block of another fork, a changed operation, or (as one of the
// --trust-nodes) another consensus hash.
func TestVerifiedLookup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	e, _ := devnetE2E(t, bin, dir)
	w, _, owner := e.newWallet(t, "w")
	e.ok(t, "wallet", "faucet", "--wallet", w, "300000000")
	e.waitSpendable(t, w, 300_000_000)
	e.createNamespace(t, w, "test", 1000)
	zone := func(file, text string) string {
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	e.ok(t, "name", "register", "alice.test", "--wallet", w, "--zonefile", zone("a1.zone", "$ORIGIN alice.test\n$TTL 3600\n@ IN TXT \"one\"\n"))
	second := "$ORIGIN alice.test\n$TTL 3600\n@ IN TXT \"two\"\n"
	e.ok(t, "name", "update", "alice.test", "--wallet", w, "--zonefile", zone("a2.zone", second))

	// The anchor: the node's consensus hash once the update is buried
	// deeper than --trust-nodes looks.
	var rec apitypes.Name
	e.getJSON(t, "/v1/names/alice.test", &rec)
	var op apitypes.Operation
	e.getJSON(t, "/v1/operations/"+rec.LastTxid, &op)
	var info apitypes.Info
	waitfor.True(t, 30*time.Second, "the update buried", func() bool {
		e.getJSON(t, "/v1/info", &info)
		return info.LastBlockProcessed >= op.Block+anchorDepth
	})
	anchor := info.Consensus + "@" + strconv.FormatInt(info.LastBlockProcessed, 10)

	out, stderr, err := e.cli(t, nil, "whois", "alice.test", "--trust", anchor)
	if err != nil || !strings.Contains(stderr, "verified against "+anchor) || !strings.Contains(stderr, "NAME_UPDATE") ||
		!strings.Contains(stderr, "owner "+owner) || !strings.Contains(out, `"address": "`+owner+`"`) {
		t.Fatalf("whois --trust: %v\n%s%s", err, out, stderr)
	}
	out, stderr, err = e.cli(t, nil, "lookup", "alice.test", "--trust-nodes", e.node+","+lyingNode(t, e.node, nil))
	if err != nil || out != second || !strings.Contains(stderr, "verified against") {
		t.Fatalf("lookup --trust-nodes: %v\n%s%s", err, out, stderr)
	}

	replace := func(onPath, old, new string) func(string, []byte) []byte {
		re := regexp.MustCompile(onPath)
		return func(path string, body []byte) []byte {
			if re.MatchString(path) {
				return bytes.ReplaceAll(body, []byte(old), []byte(new))
			}
			return body
		}
	}
	// Bound to Bitcoin: the anchor's block and the proved operations'
	// transactions are in the devnet chain's best headers; another chain,
	// mined past the anchor's height, holds neither.
	_, stderr, err = e.cli(t, nil, "whois", "alice.test", "--trust", anchor, "--trust-bitcoin")
	if err != nil || !strings.Contains(stderr, "checked on Bitcoin") {
		t.Fatalf("whois --trust-bitcoin: %v\n%s", err, stderr)
	}
	// From a checkpoint: block 1 of the chain serves; a block above the
	// registration cannot check it; a checkpoint the chain does not hold
	// is refused.
	checkpoint := func(height int64) string {
		return blockHashAt(t, e.rpc, height).String() + "@" + strconv.FormatInt(height, 10)
	}
	_, stderr, err = e.cli(t, nil, "whois", "alice.test", "--trust", anchor, "--trust-bitcoin", "--trust-bitcoin-from", checkpoint(1))
	if err != nil || !strings.Contains(stderr, "checked on Bitcoin") {
		t.Fatalf("whois --trust-bitcoin-from block 1: %v\n%s", err, stderr)
	}
	_, stderr, err = e.cli(t, nil, "whois", "alice.test", "--trust", anchor, "--trust-bitcoin", "--trust-bitcoin-from", checkpoint(op.Block))
	if err == nil || !strings.Contains(stderr, "below the header chain's first block") {
		t.Fatalf("whois --trust-bitcoin-from above the registration: %v\n%s", err, stderr)
	}
	wrong := blockHashAt(t, e.rpc, 2).String() + "@1"
	_, stderr, err = e.cli(t, nil, "whois", "alice.test", "--trust", anchor, "--trust-bitcoin", "--trust-bitcoin-from", wrong)
	if err == nil || !strings.Contains(stderr, "has block") {
		t.Fatalf("whois --trust-bitcoin-from a block not at its height: %v\n%s", err, stderr)
	}
	otherChain := startDevnetWith(t, bin, t.TempDir())
	mineTo(t, otherChain.rpc, info.LastBlockProcessed+2)
	_, stderr, err = e.cli(t, nil, "whois", "alice.test", "--trust", anchor, "--trust-bitcoin", "--rpc", otherChain.rpc)
	if err == nil || !strings.Contains(stderr, "not in Bitcoin's best chain") {
		t.Fatalf("whois --trust-bitcoin against another chain: %v\n%s", err, stderr)
	}

	other := "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx"
	_, stderr, err = e.cli(t, nil, "whois", "nobody.test", "--trust", anchor)
	if err == nil || !strings.Contains(stderr, "nobody.test is not registered as of block") {
		t.Fatalf("whois --trust of an unregistered name: %v\n%s", err, stderr)
	}
	proof := `^/v1/names/alice.test/proof$`
	stale := func(u *url.URL) { // the honest answer of five blocks before
		if strings.HasSuffix(u.Path, "/proof") {
			u.RawQuery = "height=" + strconv.FormatInt(info.LastBlockProcessed-5, 10)
		}
	}
	for name, tc := range map[string]struct {
		rewrite func(*url.URL)
		lie     func(string, []byte) []byte
		args    []string
		want    string
	}{
		"another zone file hash": {nil, replace(proof, rec.ZonefileHash, strings.Repeat("0", 40)),
			[]string{"lookup", "alice.test", "--trust", anchor}, "not the one the state root commits to"},
		"another owner": {nil, replace(proof, owner, other),
			[]string{"whois", "alice.test", "--trust", anchor}, "not the one the state root commits to"},
		"expired shown as live": {nil, replace(proof, `\"expire_block\":`, `\"expire_block\":9`),
			[]string{"whois", "alice.test", "--trust", anchor}, "not the one the state root commits to"},
		"revoked flag changed": {nil, replace(proof, `\"revoked\":false`, `\"revoked\":true`),
			[]string{"whois", "alice.test", "--trust", anchor}, "not the one the state root commits to"},
		"the name claimed unregistered": {nil, func(path string, body []byte) []byte {
			if path == "/v1/names/alice.test/proof" {
				var p map[string]any
				json.Unmarshal(body, &p)
				p["name_record"] = nil
				body, _ = json.Marshal(p)
			}
			return body
		}, []string{"whois", "alice.test", "--trust", anchor}, "its proof shows one"},
		"an unregistered name claimed registered": {func(u *url.URL) {
			u.Path = strings.Replace(u.Path, "/nobody.test/", "/alice.test/", 1)
		}, nil, []string{"whois", "nobody.test", "--trust", anchor}, "name nobody.test: statetree: proof does not verify"},
		"a stale state": {stale, nil, []string{"whois", "alice.test", "--trust", anchor}, "asked for block"},
		"a block of another fork": {nil, func(path string, body []byte) []byte {
			if strings.HasSuffix(path, "/proof") {
				var p apitypes.NameProof
				json.Unmarshal(body, &p)
				p.Block.BlockHash = strings.Repeat("0", 64)
				body, _ = json.Marshal(p)
			}
			return body
		}, []string{"whois", "alice.test", "--trust", anchor}, "block hash, operations hash, state root"},
		"a block's operation changed": {nil, replace(`^/v1/blockchains/bitcoin/blocks/`, rec.ZonefileHash, strings.Repeat("1", 40)),
			[]string{"lookup", "alice.test", "--trust", anchor}, "does not verify"},
		"a node that disagrees": {nil, func(path string, body []byte) []byte {
			if strings.HasPrefix(path, "/v1/blockchains/bitcoin/blocks/") {
				var b map[string]any
				json.Unmarshal(body, &b)
				b["consensus_hash"] = strings.Repeat("f", 32)
				body, _ = json.Marshal(b)
			}
			return body
		}, []string{"lookup", "alice.test", "--trust-nodes", e.node}, "disagree"},
	} {
		t.Run(name, func(t *testing.T) {
			liar := rewritingNode(t, e.node, tc.rewrite, tc.lie)
			args := append([]string{}, tc.args...)
			if args[len(args)-2] == "--trust-nodes" {
				args[len(args)-1] += "," + liar // the liar as one of the anchor's nodes, the honest one answering
			} else {
				args = append(args, "--node", liar)
			}
			out, stderr, err := e.cli(t, nil, args...)
			if err == nil || !strings.Contains(stderr, tc.want) {
				t.Fatalf("%v: %v, want an error saying %q\n%s%s", args, err, tc.want, out, stderr)
			}
		})
	}
}

// mineTo mines the devnet chain at rpcAddr up to height.
// blockHashAt is the hash of the devnet chain's block at height.
func blockHashAt(t *testing.T, rpcAddr string, height int64) chainhash.Hash {
	t.Helper()
	c, err := rpc.New(rpc.Config{Host: rpcAddr, User: defaultDevnetRPCUser, Pass: defaultDevnetRPCPass, Params: &chaincfg.RegressionNetParams})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, err := c.BlockHash(context.Background(), height)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mineTo(t *testing.T, rpcAddr string, height int64) {
	t.Helper()
	c, err := rpc.New(rpc.Config{Host: rpcAddr, User: defaultDevnetRPCUser, Pass: defaultDevnetRPCPass, Params: &chaincfg.RegressionNetParams})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tip, err := c.Tip(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := height - tip.Height; n > 0 {
		if _, err := c.Mine(context.Background(), int(n)); err != nil {
			t.Fatal(err)
		}
	}
}
