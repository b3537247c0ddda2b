package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/internal/metrics/metricstest"
	"github.com/go-blockstack/go-blockstack/internal/syncbuf"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/registrar"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

var registrarRE = regexp.MustCompile(`registrar for \S+ at (http://\S+)`)

// registrarProc is a `blockstack registrar` process.
type registrarProc struct {
	url     string
	metrics string // its /metrics URL
	cmd     *exec.Cmd
	stderr  *syncbuf.Buffer
	done    chan struct{} // closed when it has exited
	err     error
}

// startRegistrar starts the registrar of domain with the wallet, its
// state in dir, listening at listen, and waits until it serves; extra
// flags go last (a flag given twice takes the last value).
func (e *e2eNet) startRegistrar(t *testing.T, env []string, walletPath, domain, dir, listen string, extra ...string) *registrarProc {
	t.Helper()
	metricsAddr := freeAddr(t)
	args := append(e.global(), "registrar", "--wallet", walletPath, "--domain", domain, "--data-dir", dir,
		"--listen", listen, "--batch-delay", "2s", "--rate", "0", "--poll-interval", "50ms", "--metrics-addr", metricsAddr)
	cmd := exec.Command(e.bin, append(args, extra...)...)
	cmd.Env = append(os.Environ(), env...)
	p := &registrarProc{metrics: "http://" + metricsAddr + "/metrics", cmd: cmd, stderr: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := registrarRE.FindStringSubmatch(sc.Text()); m != nil {
			p.url = m[1]
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	if p.url == "" {
		<-p.done
		t.Fatalf("registrar exited before serving: %v\n%s", p.err, p.stderr)
	}
	t.Cleanup(p.stop)
	return p
}

// stop ends the registrar with Ctrl-C, if it still runs.
func (p *registrarProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	<-p.done
}

// subUser is a subdomain owner: a key the test holds.
type subUser struct {
	key  subdomains.SingleKey
	addr string
}

func newSubUser(t *testing.T) subUser {
	t.Helper()
	priv, err := btcec.NewPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	k := subdomains.SingleKey{Priv: priv, Compressed: true}
	addr, err := k.Address(&chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	return subUser{k, addr}
}

// subProfile is a subdomain's zone file as v1's registrar users sent it.
func subProfile(label string, owner string) []byte {
	return []byte("$ORIGIN " + label + "\n$TTL 3600\n_https._tcp URI 10 1 \"https://gaia.blockstack.org/hub/" + owner + "/profile.json\"\n")
}

// registerAll sends one signed registration per name, from a few
// clients at once, and returns the owners.
func registerAll(t *testing.T, c *registrar.Client, names []string) map[string]subUser {
	t.Helper()
	owners := map[string]subUser{}
	for _, n := range names {
		owners[n] = newSubUser(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(names))
	work := make(chan string)
	for range 8 {
		wg.Go(func() {
			for n := range work {
				label, _, _ := strings.Cut(n, ".")
				u := owners[n]
				req, err := registrar.SignRegistration(n, u.addr, subProfile(label, u.addr), u.key)
				if err == nil {
					_, err = c.Register(context.Background(), req)
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", n, err)
				}
			}
		})
	}
	for _, n := range names {
		work <- n
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return owners
}

// waitConfirmed waits until the registrar has confirmed n requests.
func waitConfirmed(t *testing.T, p *registrarProc, n int, within time.Duration) {
	t.Helper()
	var idx struct {
		Queue map[string]int `json:"queue"`
	}
	var err error
	if !waitfor.Poll(within, func() bool {
		var resp *http.Response
		if resp, err = http.Get(p.url + "/index"); err == nil {
			err = jsonDecode(resp, &idx)
		}
		return err == nil && idx.Queue["confirmed"] >= n
	}) {
		t.Fatalf("registrar confirmed %v of %d requests (%v)\n%s", idx.Queue, n, err, p.stderr)
	}
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// domainUpdates lists the domain's NAME_UPDATEs, accepted or not, in
// chain order.
func (e *e2eNet) domainUpdates(t *testing.T, domain string) []map[string]any {
	t.Helper()
	var byBlock map[string][]map[string]any
	e.getJSON(t, "/v1/names/"+domain+"/history?rejected=1", &byBlock)
	var ups []map[string]any
	for _, ops := range byBlock {
		for _, op := range ops {
			if op["opcode"] == "NAME_UPDATE" {
				ups = append(ups, op)
			}
		}
	}
	sortOps(ups)
	return ups
}

func sortOps(ops []map[string]any) {
	key := func(op map[string]any) float64 { return op["block_number"].(float64)*1e6 + op["vtxindex"].(float64) }
	for i := 1; i < len(ops); i++ {
		for j := i; j > 0 && key(ops[j]) < key(ops[j-1]); j-- {
			ops[j], ops[j-1] = ops[j-1], ops[j]
		}
	}
}

// nodeSubdomain reads a subdomain's record from a node's API ("" status
// when it has none).
func nodeSubdomain(t *testing.T, api, fqn string) map[string]any {
	t.Helper()
	resp, err := http.Get(api + "/v1/names/" + fqn)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := jsonDecode(resp, &m); err != nil || resp.StatusCode != http.StatusOK {
		return map[string]any{"status": "", "code": resp.StatusCode}
	}
	return m
}

// checkResolves checks that a node resolves fqn to owner, seqn and zone
// file.
func checkResolves(t *testing.T, api, fqn, owner string, seq int, zf string) {
	t.Helper()
	m := nodeSubdomain(t, api, fqn)
	if m["status"] != "registered_subdomain" || m["address"] != owner || m["seqn"] != float64(seq) || m["zonefile"] != zf || m["domain"] != "foo.test" {
		t.Fatalf("%s at %s: %v, want owner %s, seqn %d", fqn, api, m, owner, seq)
	}
}

// zoneFileAt fetches a zone file by hash from a node.
func zoneFileAt(t *testing.T, api, hash string) []byte {
	t.Helper()
	resp, err := http.Get(api + "/v1/zonefiles/" + hash)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("zone file %s: %d %v", hash, resp.StatusCode, err)
	}
	return data
}

// TestSubdomainRegistrarEndToEnd runs a registrar for foo.test on a
// devnet through the binary: a crash right after broadcasting a batch's
// NAME_UPDATE, then a restart (exactly one update for that batch); the
// subdomain commands (register, status, transfer, update); then 1,000
// registrations, anchored in as few updates as the 40,960-byte limit
// allows, each resolvable at once through the registrar and, once
// confirmed, through the devnet's node and a second node that gets the
// zone files only through Atlas.
func TestSubdomainRegistrarEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	e, second := devnetWithAtlasPeer(t, bin)

	// The domain, foo.test, with a profile URI record of its own.
	owner, _, _ := e.newWallet(t, "owner")
	e.ok(t, "wallet", "faucet", "--wallet", owner, "300000000")
	e.waitSpendable(t, owner, 300_000_000)
	e.createNamespace(t, owner, "test", 10000)
	fooZone := filepath.Join(e.dir, "foo.zone")
	if err := os.WriteFile(fooZone, []byte("$ORIGIN foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example/foo/profile.json\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.ok(t, "name", "register", "foo.test", "--wallet", owner, "--zonefile", fooZone)
	regDir := filepath.Join(e.dir, "registrar")
	// The same address across restarts, as a deployed registrar keeps:
	// the zone files' _resolver record names it.
	listen := freeAddr(t)

	// 0. A registrar makes itself findable: the domain's zone file does not
	// name it, so before any request it sends one NAME_UPDATE whose zone
	// file keeps the domain's records and adds its _resolver.
	// Its log in JSON, from the environment: every line of it an object,
	// the NAME_UPDATE's progress included.
	p0 := e.startRegistrar(t, []string{logFormatEnv + "=json"}, owner, "foo.test", regDir, listen)
	waitfor.True(t, 60*time.Second, "foo.test's zone file names the registrar", func() bool {
		ups := e.domainUpdates(t, "foo.test")
		if len(ups) != 1 {
			return false
		}
		resp, err := http.Get(e.node + "/v1/zonefiles/" + ups[0]["value_hash"].(string))
		if err != nil {
			return false
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		f, err := zonefile.Parse(raw)
		if resp.StatusCode != http.StatusOK || err != nil {
			return false // not published yet
		}
		u, ok := f.ResolverURL()
		return ok && u == p0.url && strings.Contains(string(raw), "https://hub.example/foo/profile.json")
	})
	if !strings.Contains(p0.stderr.String(), "announcing the registrar") {
		t.Fatalf("the registrar did not say it announced itself:\n%s", p0.stderr)
	}
	if _, msgs := parseLog(t, "json", strings.Split(strings.TrimSpace(p0.stderr.String()), "\n")); count(msgs, "registrar update") == 0 {
		t.Fatalf("the registrar logged no progress of its update:\n%s", p0.stderr)
	}
	p0.stop()
	const announced = 1 // NAME_UPDATEs before the batches

	// 1. Crashes: after the batch's transaction is journaled but not
	// broadcast, right after the broadcast (before the queue records it),
	// and after the queue records it as submitted. Each time a new
	// registrar on the same state confirms the batch with the journaled
	// transaction: one NAME_UPDATE per batch.
	var (
		p          *registrarProc
		c          *registrar.Client
		crashNames []string
	)
	for i, at := range []string{"update:journaled", "update:broadcast", "batch:submitted"} {
		p = e.startRegistrar(t, []string{exitAfterEnv + "=" + at}, owner, "foo.test", regDir, listen)
		c, _ = registrar.NewClient(p.url, nil)
		names := []string{fmt.Sprintf("c%d-0.foo.test", i), fmt.Sprintf("c%d-1.foo.test", i), fmt.Sprintf("c%d-2.foo.test", i)}
		registerAll(t, c, names)
		select {
		case <-p.done:
		case <-time.After(60 * time.Second):
			t.Fatalf("the registrar did not stop after %s:\n%s", at, p.stderr)
		}
		var exit *exec.ExitError
		if !errors.As(p.err, &exit) || exit.ExitCode() != 3 || !strings.Contains(p.stderr.String(), "exiting after "+at) {
			t.Fatalf("registrar stopped with %v:\n%s", p.err, p.stderr)
		}
		journaled := journalTxid(t, filepath.Join(regDir, "update.json"), "update foo.test", "update")
		start := time.Now()
		p = e.startRegistrar(t, nil, owner, "foo.test", regDir, listen)
		c, _ = registrar.NewClient(p.url, nil)
		crashNames = append(crashNames, names...)
		waitConfirmed(t, p, len(crashNames), 60*time.Second)
		t.Logf("stopped after %s: the restarted registrar confirmed the batch in %s", at, time.Since(start).Round(time.Millisecond))
		ups := e.domainUpdates(t, "foo.test")
		if len(ups) != announced+i+1 || ups[announced+i]["txid"] != journaled || ups[announced+i]["accepted"] == false {
			t.Fatalf("after stopping at %s and restarting: updates %v, want %d, the last the journaled %s", at, ups, announced+i+1, journaled)
		}
		if strings.Contains(p.stderr.String(), "update: broadcast") {
			t.Fatalf("the registrar restarted after %s broadcast a new update:\n%s", at, p.stderr)
		}
		for _, n := range names {
			if rec, err := c.Name(context.Background(), n); err != nil || rec.Status != "registered_subdomain" || rec.LastTxid != journaled {
				t.Fatalf("%s after the restart: %+v %v", n, rec, err)
			}
			if m := nodeSubdomain(t, e.node, n); m["status"] != "registered_subdomain" || m["last_txid"] != journaled {
				t.Fatalf("%s at the node after the restart: %v", n, m)
			}
		}
		if i < 2 {
			p.stop()
		}
	}

	// 2. The subdomain commands, with users' wallets; the registrar is
	// found through the _resolver record of foo.test's zone file.
	alice, _, aliceAddr := e.newWallet(t, "alice")
	bob, _, bobAddr := e.newWallet(t, "bob")
	aliceZone, bobZone := filepath.Join(e.dir, "alice.zone"), filepath.Join(e.dir, "bob.zone")
	os.WriteFile(aliceZone, subProfile("alice", aliceAddr), 0o600)
	os.WriteFile(bobZone, subProfile("alice", bobAddr), 0o600)
	out := e.ok(t, "subdomain", "register", "alice.foo.test", "--zonefile", aliceZone, "--wallet", alice)
	if !strings.Contains(out, "queued the registration of alice.foo.test to "+aliceAddr+" at "+p.url) {
		t.Fatalf("subdomain register: %s", out)
	}
	status := e.ok(t, "subdomain", "status", "alice.foo.test")
	if !strings.Contains(status, `"state": "pending"`) && !strings.Contains(status, `"state": "submitted"`) {
		t.Fatalf("subdomain status right after register:\n%s", status)
	}
	e.refusedSub(t, "is not an owner key", "subdomain", "transfer", "alice.foo.test", bobAddr, "--wallet", bob)
	// Transfer before the registration is confirmed: the seqn comes from
	// the registrar's resolver, pending requests included; then bob
	// updates what is now his.
	e.ok(t, "subdomain", "transfer", "alice.foo.test", bobAddr, "--wallet", alice)
	e.ok(t, "subdomain", "update", "alice.foo.test", "--zonefile", bobZone, "--wallet", bob)
	waitConfirmed(t, p, len(crashNames)+3, 60*time.Second)
	rec, err := c.Name(context.Background(), "alice.foo.test")
	if err != nil || rec.Address != bobAddr || rec.Sequence != 2 || rec.Zonefile != string(subProfile("alice", bobAddr)) || rec.Status != "registered_subdomain" {
		t.Fatalf("alice.foo.test at the registrar: %+v %v", rec, err)
	}
	if status := e.ok(t, "subdomain", "status", "alice.foo.test"); !strings.Contains(status, `"state": "confirmed"`) ||
		!strings.Contains(status, `"node": {`) {
		t.Fatalf("subdomain status after confirmation:\n%s", status)
	}
	checkResolves(t, e.node, "alice.foo.test", bobAddr, 2, string(subProfile("alice", bobAddr)))
	checkRegistrarMetrics(t, p.metrics, len(crashNames)+3)
	// A subdomain the registrar never handled is updated from the
	// node's record: none here, so it is refused.
	e.refusedSub(t, "neither registered nor queued", "subdomain", "update", "nobody.foo.test", "--zonefile", bobZone, "--wallet", bob)

	// 3. 1,000 registrations.
	const n = 1000
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("user%04d.foo.test", i)
	}
	before := len(e.domainUpdates(t, "foo.test"))
	start := time.Now()
	owners := registerAll(t, c, names)
	queued := time.Since(start)
	// Pending names resolve at once, through the registrar the domain's
	// _resolver record names.
	last := names[n-1]
	if rec, err := c.Name(context.Background(), last); err != nil || rec.Address != owners[last].addr ||
		(rec.Status != "pending_subdomain" && rec.Status != "submitted_subdomain" && rec.Status != "registered_subdomain") {
		t.Fatalf("%s right after its request: %+v %v", last, rec, err)
	}
	waitConfirmed(t, p, len(crashNames)+3+n, 5*time.Minute)
	took := time.Since(start)
	ups := e.domainUpdates(t, "foo.test")
	batchUps := ups[before:]
	// As few as the size limit allows: every zone file but the last is
	// full (the next record would not have fitted), so the count is the
	// ceiling of 1,000 over the records a full one holds.
	perFile, total := 0, 0
	for i, op := range batchUps {
		if op["accepted"] == false {
			t.Fatalf("update %v rejected: %v", op["txid"], op["reason"])
		}
		zf := zoneFileAt(t, e.node, op["value_hash"].(string))
		f, err := zonefile.Parse(zf)
		if err != nil {
			t.Fatal(err)
		}
		recs := 0
		for _, r := range f.Records {
			if zonefile.IsSubdomainRecord(r) {
				recs++
			}
		}
		total += recs
		if i == 0 {
			perFile = recs
		}
		// A record of these names takes about 260 bytes.
		if i < len(batchUps)-1 && len(zf)+300 < zonefile.MaxSize {
			t.Errorf("zone file %d of %d is not full: %d bytes, %d records", i+1, len(batchUps), len(zf), recs)
		}
		t.Logf("update %d: %d records, %d bytes", i+1, recs, len(zf))
	}
	if want := (n + perFile - 1) / perFile; len(batchUps) != want || total != n {
		t.Errorf("1,000 names took %d NAME_UPDATEs carrying %d records; %d fit in a zone file, so %d would do", len(batchUps), total, perFile, want)
	}
	t.Logf("1,000 names: queued in %s, all confirmed in %s, %d NAME_UPDATEs (%d records in a full zone file)",
		queued.Round(time.Millisecond), took.Round(time.Millisecond), len(batchUps), perFile)

	// Every name resolves through the registrar, the devnet's node, and
	// the second node once Atlas has brought it the zone files, which
	// come in any order: the last batch's may come before the first's.
	// alice.foo.test's records (seqn 2 last) and the crash batches' names
	// came in earlier zone files, which may arrive last too.
	unresolved := append(append(slices.Clone(names), crashNames...), "alice.foo.test")
	waitfor.True(t, 2*time.Minute, "the second node to resolve every name", func() bool {
		unresolved = slices.DeleteFunc(unresolved, func(name string) bool {
			m := nodeSubdomain(t, second, name)
			return m["status"] == "registered_subdomain" && (name != "alice.foo.test" || m["seqn"] == float64(2))
		})
		return len(unresolved) == 0
	})
	start = time.Now()
	for _, name := range names {
		u := owners[name]
		label, _, _ := strings.Cut(name, ".")
		zf := string(subProfile(label, u.addr))
		rec, err := c.Name(context.Background(), name)
		if err != nil || rec.Address != u.addr || rec.Status != "registered_subdomain" || rec.Zonefile != zf {
			t.Fatalf("%s at the registrar: %+v %v", name, rec, err)
		}
		checkResolves(t, e.node, name, u.addr, 0, zf)
		checkResolves(t, second, name, u.addr, 0, zf)
	}
	t.Logf("checked 1,000 names at the registrar and both nodes in %s", time.Since(start).Round(time.Millisecond))
	checkResolves(t, second, "alice.foo.test", bobAddr, 2, string(subProfile("alice", bobAddr)))
	for _, name := range crashNames {
		if m := nodeSubdomain(t, second, name); m["status"] != "registered_subdomain" {
			t.Fatalf("%s at the second node: %v", name, m)
		}
	}
}

// refusedSub runs a subdomain command that must fail saying want.
func (e *e2eNet) refusedSub(t *testing.T, want string, args ...string) {
	t.Helper()
	stdout, stderr, err := e.cli(t, nil, args...)
	if err == nil || !strings.Contains(stderr, want) {
		t.Fatalf("blockstack %s: %v, want an error saying %q\n%s%s", strings.Join(args, " "), err, want, stdout, stderr)
	}
}

// checkRegistrarMetrics scrapes a registrar that has confirmed confirmed
// requests and nothing else: its queue by state, its batches and the time
// they took to confirm.
func checkRegistrarMetrics(t *testing.T, url string, confirmed int) {
	t.Helper()
	m := metricstest.Scrape(t, url)
	for state, want := range map[string]int{"confirmed": confirmed, "pending": 0, "submitted": 0} {
		if got := m.Value(t, "blockstack_registrar_requests", "state", state); got != float64(want) {
			t.Errorf("registrar requests %s: %v, want %d", state, got, want)
		}
	}
	if got := m.Value(t, "blockstack_registrar_batches_total", "step", "confirmed"); got < 1 {
		t.Errorf("registrar batches confirmed: %v, want ≥ 1", got)
	}
	if got := m.Value(t, "blockstack_registrar_confirm_seconds"); got < 1 {
		t.Errorf("registrar confirm times observed: %v, want ≥ 1", got)
	}
	if _, ok := m.Lookup("process_cpu_seconds_total"); !ok {
		t.Error("no process metrics")
	}
}

// TestPendingSubdomainDevnet: a subdomain queued at `blockstack registrar`,
// whose batch is held back, resolves through the node before it is on
// chain: foo.test's record names the registrar (resolver, from the
// _resolver record the registrar published), the node sends a look-up of
// the unknown subdomain there (302), and what answers, through the API,
// whois and lookup --profile's path, is the registrar's pending record.
func TestPendingSubdomainDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	e, _ := devnetE2E(t, bin, t.TempDir())
	owner, _, _ := e.newWallet(t, "owner")
	e.ok(t, "wallet", "faucet", "--wallet", owner, "100000000")
	e.waitSpendable(t, owner, 100_000_000)
	e.createNamespace(t, owner, "test", 10000)
	e.ok(t, "name", "register", "foo.test", "--wallet", owner)
	// No batch goes out during the test: only the announcement, which
	// does not wait.
	p := e.startRegistrar(t, nil, owner, "foo.test", filepath.Join(e.dir, "registrar"), freeAddr(t),
		"--batch-delay", "1h", "--max-batch-delay", "1h")
	var foo struct {
		Resolver *string `json:"resolver"`
	}
	waitfor.True(t, 60*time.Second, "foo.test's record names the registrar", func() bool {
		e.getJSON(t, "/v1/names/foo.test", &foo)
		return foo.Resolver != nil && *foo.Resolver == p.url
	})

	carol, _, carolAddr := e.newWallet(t, "carol")
	zone := filepath.Join(e.dir, "carol.zone")
	if err := os.WriteFile(zone, subProfile("carol", carolAddr), 0o600); err != nil {
		t.Fatal(err)
	}
	e.ok(t, "subdomain", "register", "carol.foo.test", "--zonefile", zone, "--wallet", carol)

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(e.node + "/v1/names/carol.foo.test")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := p.url + "/v1/names/carol.foo.test"; resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("the node on carol.foo.test: %s, Location %q; want 302 to %s", resp.Status, resp.Header.Get("Location"), want)
	}
	var rec map[string]any
	if code := e.getJSON(t, "/v1/names/carol.foo.test", &rec); code != http.StatusOK || rec["status"] != "pending_subdomain" || rec["address"] != carolAddr {
		t.Fatalf("carol.foo.test through the node: %d %v, want the registrar's pending record", code, rec)
	}
	if out := e.ok(t, "whois", "carol.foo.test"); !strings.Contains(out, "pending_subdomain") || !strings.Contains(out, carolAddr) {
		t.Fatalf("whois carol.foo.test:\n%s", out)
	}
	// lookup --profile follows the pending record to its zone file's
	// profile URL (which nobody serves here): the name link holds.
	_, stderr, err := e.cli(t, nil, "lookup", "--profile", "carol.foo.test")
	if err == nil || !strings.Contains(stderr, "profile") || strings.Contains(stderr, "name record") {
		t.Fatalf("lookup --profile carol.foo.test: %v, want the profile link to break, not the name's:\n%s", err, stderr)
	}
	// Still queued: the batch has not gone out.
	var idx struct {
		Queue map[string]int `json:"queue"`
	}
	resp, err = http.Get(p.url + "/index")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&idx); err != nil || idx.Queue["pending"] != 1 {
		t.Fatalf("the registrar's queue: %v %v, want carol's request pending", idx, err)
	}
}
