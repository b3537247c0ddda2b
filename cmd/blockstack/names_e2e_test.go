package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
	"github.com/go-blockstack/go-blockstack/internal/btcdtest"
	"github.com/go-blockstack/go-blockstack/internal/syncbuf"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// e2eNet is a network the end-to-end test body runs against through the
// binary: a chain (devnet, or a real btcd in regtest) and a BNS node's API.
type e2eNet struct {
	bin             string
	network         string
	rpc, user, pass string
	node            string // API URL
	dir             string
	fund            func(t *testing.T, walletPath string, sats int64)
}

// global are the flags that point a command at the network.
func (e *e2eNet) global() []string {
	return []string{"--network", e.network, "--rpc", e.rpc, "--rpc-user", e.user, "--rpc-pass", e.pass, "--node", e.node}
}

func (e *e2eNet) command(env []string, args ...string) *exec.Cmd {
	if args[0] == "name" || args[0] == "namespace" || args[0] == "profile" && args[1] == "publish" {
		args = append(args, "--poll-interval", "50ms", "--timeout", "60s")
	}
	cmd := exec.Command(e.bin, append(e.global(), args...)...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// cli runs a command and returns its stdout and stderr.
func (e *e2eNet) cli(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	cmd := e.command(env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// testPriceRules are the price flags the end-to-end tests' namespaces
// are made with.
var testPriceRules = []string{"--coeff", "250", "--base", "4", "--buckets", "6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,0",
	"--nonalpha-discount", "10", "--no-vowel-discount", "10"}

// createNamespace makes namespace id from walletPath, its names living
// lifetime blocks (doubled by the rules), priced by testPriceRules.
func (e *e2eNet) createNamespace(t *testing.T, walletPath, id string, lifetime int) {
	t.Helper()
	e.ok(t, append([]string{"namespace", "create", id, "--wallet", walletPath, "--lifetime", strconv.Itoa(lifetime)}, testPriceRules...)...)
}

// ok runs a command that must succeed and returns its stdout.
func (e *e2eNet) ok(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, err := e.cli(t, nil, args...)
	if err != nil {
		t.Fatalf("blockstack %s: %v\n%s%s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

// refused runs a command that must fail saying want, and checks that it
// broadcast nothing from walletPath.
func (e *e2eNet) refused(t *testing.T, walletPath, want string, args ...string) {
	t.Helper()
	sent := sentCount(t, walletPath)
	stdout, stderr, err := e.cli(t, nil, args...)
	if err == nil || !strings.Contains(stderr, want) {
		t.Fatalf("blockstack %s: %v, want an error saying %q\n%s%s", strings.Join(args, " "), err, want, stdout, stderr)
	}
	if n := sentCount(t, walletPath); n != sent || strings.Contains(stderr, "broadcast") {
		t.Fatalf("blockstack %s broadcast a transaction (%d sent before, %d after)\n%s", strings.Join(args, " "), sent, n, stderr)
	}
	t.Logf("refused as expected: blockstack %s: %s", strings.Join(args, " "), strings.TrimSpace(stderr))
}

// sentCount is how many transactions the wallet has recorded as sent (its
// state file keeps them until they are buried, far beyond this test).
func sentCount(t *testing.T, walletPath string) int {
	t.Helper()
	data, err := os.ReadFile(strings.TrimSuffix(walletPath, ".json") + ".state.json")
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Sent []json.RawMessage `json:"sent"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return len(st.Sent)
}

// mineEvery mines a block every interval through the chain's RPC until
// the test ends, as a real network would, so that the commands' waits end.
func (e *e2eNet) mineEvery(t *testing.T, interval time.Duration) {
	t.Helper()
	params, err := chain.NetworkParams(e.network)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rpc.New(rpc.Config{Host: e.rpc, User: e.user, Pass: e.pass, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if _, err := c.Mine(ctx, 1); err != nil && ctx.Err() == nil {
				t.Logf("mine: %v", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		c.Close()
	})
}

var (
	paymentRE = regexp.MustCompile(`(?m)^payment\S*\s+\S+\s+(\S+)`)
	owner0RE  = regexp.MustCompile(`(?m)^owner 0\s+\S+\s+(\S+)`)
	totalRE   = regexp.MustCompile(`(?m)^\s*total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)`)
)

// newWallet creates a wallet file and returns it with its payment and
// first owner addresses.
func (e *e2eNet) newWallet(t *testing.T, name string) (path, payment, owner string) {
	t.Helper()
	path = filepath.Join(e.dir, name+".json")
	out := e.ok(t, "wallet", "create", "--wallet", path)
	p, o := paymentRE.FindStringSubmatch(out), owner0RE.FindStringSubmatch(out)
	if p == nil || o == nil {
		t.Fatalf("wallet create printed no addresses:\n%s", out)
	}
	return path, p[1], o[1]
}

// total is the wallet's balance, pending payments to itself included.
func (e *e2eNet) total(t *testing.T, walletPath string) int64 {
	t.Helper()
	out := e.ok(t, "wallet", "balance", "--wallet", walletPath)
	m := totalRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no total in:\n%s", out)
	}
	var sum int64
	for _, i := range []int{1, 2, 4} { // spendable, immature, incoming
		v, _ := strconv.ParseInt(m[i], 10, 64)
		sum += v
	}
	return sum
}

// waitSpendable waits until a wallet can spend sats (a funding payment
// confirmed).
func (e *e2eNet) waitSpendable(t *testing.T, walletPath string, sats int64) {
	t.Helper()
	var out string
	if !waitfor.Poll(30*time.Second, func() bool {
		out = e.ok(t, "wallet", "balance", "--wallet", walletPath)
		m := totalRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no total in:\n%s", out)
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		return v >= sats
	}) {
		t.Fatalf("%s never had %d sat to spend:\n%s", walletPath, sats, out)
	}
}

// getJSON reads an API path.
func (e *e2eNet) getJSON(t *testing.T, path string, out any) int {
	t.Helper()
	resp, err := http.Get(e.node + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode
}

// checkOperation checks that the API reports txid's operation as op,
// accepted.
func (e *e2eNet) checkOperation(t *testing.T, txid, op string) {
	t.Helper()
	var got map[string]any
	if st := e.getJSON(t, "/v1/operations/"+txid, &got); st != http.StatusOK || got["opcode"] != op || got["accepted"] != true {
		t.Fatalf("operation %s: %d %v, want %s accepted", txid, st, got, op)
	}
}

// nameState is what the API and whois must both report of a name.
type nameState struct {
	status, address string
	// zonefile is the zone file whose hash the name carries ("" none);
	// the node must serve it, unless the name is revoked.
	zonefile string
	history  []string // accepted operations, in order
}

// checkName compares the REST API's record and history of name, and
// whois's and lookup's, with want, and returns the API's record.
func (e *e2eNet) checkName(t *testing.T, name string, want nameState) map[string]any {
	t.Helper()
	var rec map[string]any
	if code := e.getJSON(t, "/v1/names/"+name, &rec); code != http.StatusOK {
		t.Fatalf("GET /v1/names/%s: %d %v", name, code, rec)
	}
	hash, served := any(nil), any(nil)
	if want.zonefile != "" {
		hash = zonefileHash(want.zonefile)
		if want.status != "revoked" {
			served = want.zonefile
		}
	}
	if rec["status"] != want.status || rec["address"] != want.address || rec["zonefile_hash"] != hash || rec["zonefile"] != served {
		t.Fatalf("API record of %s: %v, want status %s, address %s, zone file %q (hash %v)",
			name, rec, want.status, want.address, want.zonefile, hash)
	}
	if served != nil {
		if got := e.ok(t, "lookup", name); got != served {
			t.Fatalf("lookup %s: %q, want %q", name, got, served)
		}
	}
	var byBlock map[string][]map[string]any
	e.getJSON(t, "/v1/names/"+name+"/history", &byBlock)
	var hist []map[string]any
	for _, ops := range byBlock {
		hist = append(hist, ops...)
	}
	slices.SortFunc(hist, func(a, b map[string]any) int {
		if c := int(a["block_number"].(float64) - b["block_number"].(float64)); c != 0 {
			return c
		}
		return int(a["vtxindex"].(float64) - b["vtxindex"].(float64))
	})
	var apiOps []string
	for _, h := range hist {
		apiOps = append(apiOps, h["opcode"].(string))
	}
	if !slices.Equal(apiOps, want.history) {
		t.Fatalf("API history of %s: %v, want %v", name, apiOps, want.history)
	}
	if last := hist[len(hist)-1]["txid"]; last != rec["last_txid"] {
		t.Fatalf("API: last operation %v, record's last_txid %v", last, rec["last_txid"])
	}

	var w struct {
		Name         string `json:"name"`
		Status       string `json:"status"`
		Address      string `json:"address"`
		ExpireBlock  int64  `json:"expire_block"`
		ZonefileHash any    `json:"zonefile_hash"`
		Zonefile     any    `json:"zonefile"`
		LastTxid     string `json:"last_txid"`
		History      []struct {
			Opcode string `json:"opcode"`
			Txid   string `json:"txid"`
		} `json:"history"`
	}
	out := e.ok(t, "whois", name)
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatalf("whois %s: %v\n%s", name, err, out)
	}
	var whoisOps []string
	for _, h := range w.History {
		whoisOps = append(whoisOps, h.Opcode)
	}
	if w.Name != name || w.Status != want.status || w.Address != want.address || w.LastTxid != rec["last_txid"] ||
		w.ExpireBlock != int64(rec["expire_block"].(float64)) || w.ZonefileHash != hash || w.Zonefile != served ||
		!slices.Equal(whoisOps, want.history) ||
		w.History[len(w.History)-1].Txid != w.LastTxid {
		t.Fatalf("whois %s disagrees with the API %v / want %+v:\n%s", name, rec, want, out)
	}
	return rec
}

func zonefileHash(data string) string {
	return fmt.Sprintf("%x", btcutil.Hash160([]byte(data)))
}

// journalTxid reads the txid a job's step holds in a wallet's journal.
func journalTxid(t *testing.T, walletPath, job, step string) string {
	t.Helper()
	data, err := os.ReadFile(strings.TrimSuffix(walletPath, ".json") + ".journal.json")
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Jobs []struct {
			Key   string `json:"key"`
			Steps []struct {
				Step string `json:"step"`
				Txid string `json:"txid"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	for _, jb := range j.Jobs {
		for _, s := range jb.Steps {
			if jb.Key == job && s.Step == step && s.Txid != "" {
				return s.Txid
			}
		}
	}
	t.Fatalf("journal %s has no %s step of %q:\n%s", walletPath, step, job, data)
	return ""
}

// namesEndToEnd is the test body: namespace, import, registration with
// its resume case, update, transfer, renewal, revocation, expiry and bad
// input, checked through the API and whois after each step.
func namesEndToEnd(t *testing.T, e *e2eNet) {
	const (
		zfBob   = "$ORIGIN bob.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example/bob/profile.json\"\n"
		zfAlice = "$ORIGIN alice.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example/alice/profile.json\"\n"
		zfNew   = "$ORIGIN alice.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub2.example/alice/profile.json\"\n"
	)
	files := map[string]string{}
	for name, text := range map[string]string{"bob": zfBob, "alice": zfAlice, "new": zfNew} {
		files[name] = filepath.Join(e.dir, name+".zone")
		if err := os.WriteFile(files[name], []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w1, _, owner1 := e.newWallet(t, "w1")
	w2, _, owner2 := e.newWallet(t, "w2")
	e.fund(t, w1, 200_000_000)
	e.fund(t, w2, 10_000_000)
	e.waitSpendable(t, w1, 200_000_000)
	e.waitSpendable(t, w2, 10_000_000)

	// Namespace test: preorder, reveal, import, ready.
	e.ok(t, "namespace", "preorder", "test", "--wallet", w1)
	e.checkOperation(t, journalTxid(t, w1, "namespace test", "preorder"), "NAMESPACE_PREORDER")
	if st := e.getJSON(t, "/v1/namespaces/test", &map[string]any{}); st != http.StatusNotFound {
		t.Fatalf("a preordered namespace: %d, want 404 until its reveal", st)
	}
	e.ok(t, append([]string{"namespace", "reveal", "test", "--wallet", w1, "--lifetime", "1000"}, testPriceRules...)...)
	e.checkOperation(t, journalTxid(t, w1, "namespace test", "reveal"), "NAMESPACE_REVEAL")
	var revealed map[string]any
	if st := e.getJSON(t, "/v1/namespaces/test", &revealed); st != http.StatusOK || revealed["ready"] != false ||
		revealed["lifetime"] != 1000.0 || revealed["reveal_block"].(float64) <= 0 {
		t.Fatalf("a revealed namespace: %d %v, want it not ready, lifetime 1000", st, revealed)
	}
	e.ok(t, "namespace", "import", "bob.test", owner1, "--zonefile", files["bob"], "--wallet", w1)
	bob := e.checkName(t, "bob.test", nameState{"registered", owner1, zfBob, []string{"NAME_IMPORT"}})
	if bob["expire_block"] != -1.0 {
		t.Fatalf("bob.test expires (%v) before its namespace is ready", bob["expire_block"])
	}
	e.ok(t, "namespace", "ready", "test", "--wallet", w1)
	var ns map[string]any
	e.getJSON(t, "/v1/namespaces/test", &ns)
	var shown map[string]any
	if err := json.Unmarshal([]byte(e.ok(t, "namespace", "show", "test")), &shown); err != nil {
		t.Fatal(err)
	}
	if ns["ready"] != true || shown["ready"] != true || ns["lifetime"] != 1000.0 || shown["ready_block"] != ns["ready_block"] ||
		fmt.Sprint(shown["buckets"]) != fmt.Sprint(ns["buckets"]) {
		t.Fatalf("namespace test: API %v, namespace show %v", ns, shown)
	}
	bob = e.checkName(t, "bob.test", nameState{"registered", owner1, zfBob, []string{"NAME_IMPORT"}})
	if bob["expire_block"] != ns["ready_block"].(float64)+2000 {
		t.Fatalf("bob.test expires at %v, want ready block %v + 2 × 1000", bob["expire_block"], ns["ready_block"])
	}

	// Register alice.test, killed after broadcasting the preorder, then
	// after journaling the registration; the third run finishes.
	var price struct{ Satoshis int64 }
	if err := json.Unmarshal([]byte(e.ok(t, "price", "alice.test")), &price); err != nil || price.Satoshis != 40_000 {
		t.Fatalf("price alice.test: %+v, %v", price, err)
	}
	before := e.total(t, w1)
	register := []string{"name", "register", "alice.test", "--zonefile", files["alice"], "--wallet", w1}
	for _, at := range []string{"preorder:broadcast", "register:journaled"} {
		_, stderr, err := e.cli(t, []string{exitAfterEnv + "=" + at}, register...)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 || !strings.Contains(stderr, "exiting after "+at) {
			t.Fatalf("register stopped at %s: %v\n%s", at, err, stderr)
		}
	}
	journaled := journalTxid(t, w1, "register alice.test", "register")
	stdout, stderr, err := e.cli(t, nil, register...)
	if err != nil {
		t.Fatalf("resumed register: %v\n%s%s", err, stdout, stderr)
	}
	if strings.Contains(stderr, "preorder: broadcast") || strings.Contains(stderr, "register: broadcast") ||
		!strings.Contains(stderr, "zonefile: published") {
		t.Fatalf("the resumed register built new transactions, or did not publish the zone file:\n%s", stderr)
	}
	alice := e.checkName(t, "alice.test", nameState{"registered", owner1, zfAlice, []string{"NAME_REGISTRATION"}})
	if alice["last_txid"] != journaled {
		t.Fatalf("alice.test registered by %v, not by the journaled %s", alice["last_txid"], journaled)
	}
	// Exactly one preorder paid: the price once, and two miners' fees.
	if spent := before - e.total(t, w1); spent < price.Satoshis || spent >= price.Satoshis+20_000 {
		t.Fatalf("registering alice.test cost %d sat; the price is %d", spent, price.Satoshis)
	}
	// Step by step: name preorder alone, then name register finds that
	// preorder in the journal and pays no second one.
	if err := json.Unmarshal([]byte(e.ok(t, "price", "dave.test")), &price); err != nil || price.Satoshis <= 0 {
		t.Fatalf("price dave.test: %+v, %v", price, err)
	}
	before = e.total(t, w1)
	e.ok(t, "name", "preorder", "dave.test", "--wallet", w1)
	e.checkOperation(t, journalTxid(t, w1, "register dave.test", "preorder"), "NAME_PREORDER")
	if _, stderr, err := e.cli(t, nil, "name", "register", "dave.test", "--wallet", w1); err != nil || strings.Contains(stderr, "preorder: broadcast") {
		t.Fatalf("register after preorder: %v (a second preorder?)\n%s", err, stderr)
	}
	e.checkName(t, "dave.test", nameState{"registered", owner1, "", []string{"NAME_REGISTRATION"}})
	if spent := before - e.total(t, w1); spent < price.Satoshis || spent >= price.Satoshis+20_000 {
		t.Fatalf("registering dave.test in two commands cost %d sat; the price is %d", spent, price.Satoshis)
	}
	// Update, transfer.
	e.ok(t, "name", "update", "alice.test", "--zonefile", files["new"], "--wallet", w1)
	e.checkName(t, "alice.test", nameState{"registered", owner1, zfNew, []string{"NAME_REGISTRATION", "NAME_UPDATE"}})
	e.ok(t, "name", "transfer", "alice.test", owner2, "--keep-zonefile", "--wallet", w1)
	e.checkName(t, "alice.test", nameState{"registered", owner2, zfNew,
		[]string{"NAME_REGISTRATION", "NAME_UPDATE", "NAME_TRANSFER"}})
	if got := e.ok(t, "names", owner2); got != "alice.test\n" {
		t.Fatalf("names %s: %q", owner2, got)
	}
	if got := e.ok(t, "names", owner1); got != "bob.test\ndave.test\n" {
		t.Fatalf("names %s: %q", owner1, got)
	}

	// Bad input: clear errors, nothing broadcast.
	e.refused(t, w1, "not a key of the wallet", "name", "update", "alice.test", "--zonefile", files["alice"], "--wallet", w1)
	e.refused(t, w1, "not a key of the wallet", "name", "revoke", "alice.test", "--wallet", w1)
	e.refused(t, w1, "invalid name", "name", "register", "Alice.test", "--wallet", w1)
	e.refused(t, w1, "is not registered", "name", "update", "nobody.test", "--zonefile", files["alice"], "--wallet", w1)
	e.refused(t, w1, "is already registered", "name", "register", "alice.test", "--wallet", w1)
	e.refused(t, w1, "namespace nope does not exist", "name", "register", "alice.nope", "--wallet", w1)
	e.refused(t, w1, "is not a "+e.network+" address", "name", "transfer", "bob.test", "1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU", "--wallet", w1)
	e.refused(t, w1, "is not registered", "whois", "nobody.test")
	var notFound map[string]any
	if code := e.getJSON(t, "/v1/names/nobody.test", &notFound); code != http.StatusNotFound || notFound["error"] != "Name not found" {
		t.Fatalf("GET /v1/names/nobody.test: %d %v", code, notFound)
	}

	// Renew and revoke, by the new owner.
	expires := e.checkName(t, "alice.test", nameState{"registered", owner2, zfNew,
		[]string{"NAME_REGISTRATION", "NAME_UPDATE", "NAME_TRANSFER"}})["expire_block"].(float64)
	e.ok(t, "name", "renew", "alice.test", "--wallet", w2)
	renewed := e.checkName(t, "alice.test", nameState{"registered", owner2, zfNew,
		[]string{"NAME_REGISTRATION", "NAME_UPDATE", "NAME_TRANSFER", "NAME_RENEWAL"}})
	if renewed["expire_block"].(float64) <= expires {
		t.Fatalf("renewal moved expiry from %v to %v", expires, renewed["expire_block"])
	}
	e.ok(t, "name", "revoke", "alice.test", "--wallet", w2)
	e.checkName(t, "alice.test", nameState{"revoked", owner2, zfNew,
		[]string{"NAME_REGISTRATION", "NAME_UPDATE", "NAME_TRANSFER", "NAME_RENEWAL", "NAME_REVOKE"}})
	e.refused(t, w2, "is revoked", "name", "renew", "alice.test", "--wallet", w2)
	e.refused(t, w2, "no zone file", "lookup", "alice.test")

	// An expired name: a namespace whose names live 2 × 2 blocks.
	e.createNamespace(t, w1, "shortlife", 2)
	e.ok(t, "name", "register", "carol.shortlife", "--wallet", w1)
	var rec map[string]any
	if !waitfor.Poll(30*time.Second, func() bool {
		e.getJSON(t, "/v1/names/carol.shortlife", &rec)
		return rec["status"] == "expired"
	}) {
		t.Fatalf("carol.shortlife never expired: %v", rec)
	}
	e.checkName(t, "carol.shortlife", nameState{"expired", owner1, "", []string{"NAME_REGISTRATION"}})
	e.refused(t, w1, "expired at block", "name", "update", "carol.shortlife", "--zonefile", files["alice"], "--wallet", w1)
	e.refused(t, w1, "expired at block", "name", "transfer", "carol.shortlife", owner2, "--wallet", w1)

	// Verified: the revocation is proved against the consensus hash the
	// node gives below its tip, bound to the Bitcoin node's headers (btcd's
	// in the btcd run); a node that shows the revoked name as live is
	// refused.
	whoisOut, why, werr := e.cli(t, nil, "whois", "alice.test", "--trust-nodes", e.node, "--trust-bitcoin")
	if werr != nil || !strings.Contains(whoisOut, `"status": "revoked"`) || !strings.Contains(why, "checked on Bitcoin") {
		t.Fatalf("whois --trust-nodes --trust-bitcoin of a revoked name: %v\n%s%s", werr, whoisOut, why)
	}
	liar := lyingNode(t, e.node, func(path string, body []byte) []byte {
		if strings.HasSuffix(path, "/proof") {
			return bytes.ReplaceAll(body, []byte(`\"revoked\":true`), []byte(`\"revoked\":false`))
		}
		return body
	})
	if _, why, werr = e.cli(t, nil, "whois", "alice.test", "--trust-nodes", e.node, "--trust-bitcoin", "--node", liar); werr == nil ||
		!strings.Contains(why, "not the one the state root commits to") {
		t.Fatalf("a node showing a revoked name as live: %v\n%s", werr, why)
	}

	// Every job finished: nothing left in the journals.
	for _, w := range []string{w1, w2} {
		data, err := os.ReadFile(strings.TrimSuffix(w, ".json") + ".journal.json")
		if err != nil || !strings.Contains(string(data), `"jobs": []`) {
			t.Errorf("journal of %s: %v\n%s", w, err, data)
		}
	}
}

func TestNamesEndToEndDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	// Its devnet listens on free ports only: it runs beside the btcd one.
	t.Parallel()
	e, _ := devnetE2E(t, buildBinary(t), t.TempDir())
	namesEndToEnd(t, e)
}

// devnetE2E starts a devnet (on free ports, with args on top) and returns
// the end-to-end harness on it, mining a block every 200 ms, funded by the
// faucet, with its wallets and files in dir; and the devnet's addresses.
func devnetE2E(t *testing.T, bin, dir string, args ...string) (*e2eNet, devnetAddrs) {
	t.Helper()
	addrs := startDevnetWith(t, bin, t.TempDir(), args...)
	e := &e2eNet{bin: bin, network: "devnet", rpc: addrs.rpc, user: defaultDevnetRPCUser, pass: defaultDevnetRPCPass,
		node: addrs.api, dir: dir}
	e.fund = func(t *testing.T, walletPath string, sats int64) {
		e.ok(t, "wallet", "faucet", "--wallet", walletPath, strconv.FormatInt(sats, 10))
	}
	e.mineEvery(t, 200*time.Millisecond)
	return e, addrs
}

var nodeAPIRE = regexp.MustCompile(`API at (https?://\S+)/v1/`)

// devnetWithAtlasPeer starts devnetE2E with Atlas, and a second node that
// follows the devnet's chain and gets zone files only through Atlas
// (nothing publishes to it); it returns the harness and the second node's
// API URL.
func devnetWithAtlasPeer(t *testing.T, bin string) (*e2eNet, string) {
	t.Helper()
	devAtlas := freeAddr(t)
	e, addrs := devnetE2E(t, bin, t.TempDir(), "--atlas-addr", devAtlas)
	second := startNode(t, bin, "--rpc", addrs.rpc, "node", "--data-dir", t.TempDir(), "--api-addr", "127.0.0.1:0",
		"--atlas-addr", freeAddr(t), "--atlas-seeds", devAtlas)
	t.Logf("the devnet's node answers at %s, the second node at %s", e.node, second)
	return e, second
}

// startNode runs `blockstack ARGS` (a node) until the test ends and
// returns its API's URL.
func startNode(t *testing.T, bin string, args ...string) string {
	t.Helper()
	node := exec.Command(bin, args...)
	var stderr syncbuf.Buffer
	node.Stderr = &stderr
	stdout, err := node.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		node.Process.Signal(syscall.SIGINT)
		node.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := nodeAPIRE.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
				}
			}()
			return m[1]
		}
	}
	node.Wait()
	t.Fatalf("blockstack node exited before serving its API:\n%s", stderr.String())
	return ""
}

// TestNamesEndToEndBtcd runs the same body against a real btcd in
// regtest, indexed by `blockstack node`.
func TestNamesEndToEndBtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	// It listens on free ports only, and spends most of its time waiting
	// for `blockstack node` to poll btcd (every second): run it beside
	// the devnet one.
	t.Parallel()
	bin := buildBinary(t)
	e := &e2eNet{bin: bin, network: "regtest", dir: t.TempDir()}
	// Coinbases pay a miner's wallet, which funds the users': their
	// balances move only with their own operations.
	miner, minerAddr, _ := e.newWallet(t, "miner")
	btcd := btcdtest.Start(t, btcdtest.Options{MiningAddr: minerAddr})
	e.rpc, e.user, e.pass = btcd.RPCHost, btcd.User, btcd.Pass
	params, _ := chain.NetworkParams("regtest")
	c, err := rpc.New(rpc.Config{Host: e.rpc, User: e.user, Pass: e.pass, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Enough mature coinbases for every funding payment.
	if _, err := c.Mine(context.Background(), 110); err != nil {
		t.Fatal(err)
	}

	e.node = startNode(t, bin, "--network", "regtest", "--rpc", e.rpc, "--rpc-user", e.user, "--rpc-pass", e.pass,
		"node", "--data-dir", t.TempDir(), "--api-addr", "127.0.0.1:0", "--atlas-addr", "")
	e.fund = func(t *testing.T, walletPath string, sats int64) {
		pay := paymentRE.FindStringSubmatch(e.ok(t, "wallet", "show", "--wallet", walletPath))
		// The miner's coins are locked until its last payment confirms:
		// retry until the miner has a free coin.
		var stderr string
		var err error
		if !waitfor.Poll(30*time.Second, func() bool {
			_, stderr, err = e.cli(t, nil, "wallet", "send", "--wallet", miner, pay[1], strconv.FormatInt(sats, 10))
			if err != nil && !strings.Contains(stderr, "insufficient funds") {
				t.Fatalf("fund %s: %v\n%s", walletPath, err, stderr)
			}
			return err == nil
		}) {
			t.Fatalf("fund %s: %v\n%s", walletPath, err, stderr)
		}
	}
	e.mineEvery(t, 200*time.Millisecond)
	namesEndToEnd(t, e)
}
