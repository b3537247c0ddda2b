package main

import (
	"bytes"
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

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// lyingNode is a REST API in front of an honest node that changes its
// answers with lie (nil: passes them on as they are).
func lyingNode(t *testing.T, honest string, lie func(path string, body []byte) []byte) string {
	t.Helper()
	target, _ := url.Parse(honest)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(target.String() + r.URL.RequestURI())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if lie != nil && resp.StatusCode == http.StatusOK {
			body = lie(r.URL.Path, body)
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestVerifiedLookup: whois and lookup with --trust (a consensus hash)
// or --trust-nodes (nodes that agree) prove a name's owner and zone file
// by SNV against a devnet's node, and refuse a node that lies: about the
// zone file hash, the owner, a block's operations, or (as one of the
// --trust-nodes) the consensus hash.
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
	other := "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx"
	for name, tc := range map[string]struct {
		lie  func(string, []byte) []byte
		args []string
		want string
	}{
		"another zone file hash": {replace(`^/v1/names/alice.test$`, rec.ZonefileHash, strings.Repeat("0", 40)),
			[]string{"lookup", "alice.test", "--trust", anchor}, "zone file hash"},
		"another owner": {replace(`^/v1/names/alice.test$`, owner, other),
			[]string{"whois", "alice.test", "--trust", anchor}, "owns alice.test"},
		"a block's operation changed": {replace(`^/v1/blockchains/bitcoin/blocks/`, rec.ZonefileHash, strings.Repeat("1", 40)),
			[]string{"lookup", "alice.test", "--trust", anchor}, "does not verify"},
		"a node that disagrees": {func(path string, body []byte) []byte {
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
			liar := lyingNode(t, e.node, tc.lie)
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
