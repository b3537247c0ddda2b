package main

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/internal/testbin"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// digAnswer is what dig printed for one query.
type digAnswer struct {
	status  string   // NOERROR, NXDOMAIN, ...
	answers []string // "name TTL TYPE data", class left out
	flags   string
}

var (
	digStatusRE = regexp.MustCompile(`status: (\w+)`)
	digFlagsRE  = regexp.MustCompile(`;; flags: ([a-z ]+);`)
)

// dig asks the server at addr (host:port) with Debian's dig.
func dig(t *testing.T, digBin, addr, name, qtype string, opts ...string) digAnswer {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"@" + host, "-p", port, "+tries=1", "+time=5", "+nocookie", name, qtype}, opts...)
	out, err := exec.Command(digBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var a digAnswer
	if m := digStatusRE.FindSubmatch(out); m != nil {
		a.status = string(m[1])
	}
	if m := digFlagsRE.FindSubmatch(out); m != nil {
		a.flags = string(m[1])
	}
	inAnswer := false
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, ";; ANSWER SECTION:"):
			inAnswer = true
		case line == "" || strings.HasPrefix(line, ";"):
			inAnswer = false
		case inAnswer:
			f := strings.Fields(line)
			a.answers = append(a.answers, strings.Join(append(f[:2:2], f[3:]...), " "))
		}
	}
	if a.status == "" {
		t.Fatalf("dig %s printed no status:\n%s", strings.Join(args, " "), out)
	}
	return a
}

var dnsCmdRE = regexp.MustCompile(`DNS for BNS names at (\S+) `)

// startDNSCommand runs `blockstack dns ARGS` until the test ends and
// returns its address.
func startDNSCommand(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"dns", "--listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := dnsCmdRE.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
				}
			}()
			return m[1]
		}
	}
	t.Fatal("blockstack dns exited before serving")
	return ""
}

// TestDNSEndToEnd: names registered through the CLI on a devnet resolve
// with Debian's dig, from the devnet's in-process server, from
// `blockstack dns --node` in suffix mode and through Debian's unbound as a
// recursive resolver with stub zones for the namespaces; an update shows
// within a block, a subdomain resolves from its own zone file, revoked and
// expired names stop resolving. Both servers sign (DNSSEC): unbound
// validates every answer from the namespaces' DS records, BIND's delv
// validates the suffixed server's positive, NXDOMAIN and NODATA answers,
// and neither accepts an answer tampered with on the way.
func TestDNSEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	digBin := testbin.Require(t, "dig", "apt-get install bind9-dnsutils (bash .ci/run does)", "the DNS tests")
	bin := buildBinary(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "dns.key")
	e, addrs := devnetE2E(t, bin, dir, "--dns-addr", "127.0.0.1:0", "--dns-poll", "100ms", "--dns-dnssec-key", keyFile)
	if addrs.dns == "" {
		t.Fatal("devnet printed no DNS address")
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the DNSSEC key file: %v, %v; want one made with mode 0600", st, err)
	}
	suffixed := startDNSCommand(t, bin, "--node", e.node, "--dns-suffix", "bns.example.", "--dns-poll", "100ms", "--dns-dnssec-key", keyFile)
	anchors := dnsDS(t, e, keyFile, "test.", "shortlife.", "bns.example.")
	resolver := startUnbound(t, addrs.dns, []string{"test.", "shortlife."}, anchors[:2])
	// Through a path that forges A records, unbound must refuse the answer.
	forged := startUnbound(t, tamperingProxy(t, addrs.dns), []string{"test."}, anchors[:1])

	w, _, owner := e.newWallet(t, "w")
	e.ok(t, "wallet", "faucet", "--wallet", w, "300000000")
	e.waitSpendable(t, w, 300_000_000)
	e.createNamespace(t, w, "test", 1000)

	writeZone := func(file string, f *zonefile.File) string {
		t.Helper()
		data, err := f.Format()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bob, err := zonefile.Subdomain{Name: "bob", Owner: owner, Seq: 0,
		ZoneFile: []byte("$ORIGIN bob.alice.test\n$TTL 600\n@\tIN\tA\t192.0.2.2\n")}.Record()
	if err != nil {
		t.Fatal(err)
	}
	alice, err := zonefile.Parse([]byte(`$ORIGIN alice.test
$TTL 3600
@	300	IN	A	192.0.2.1
@	IN	AAAA	2001:db8::1
@	IN	MX	10 mail
@	IN	TXT	"hello from BNS"
www	IN	CNAME	@
mail	IN	A	192.0.2.25
_sip._udp	IN	SRV	0 5 5060 mail
_http._tcp	IN	URI	10 1 "https://hub.example/alice/profile.json"
`))
	if err != nil {
		t.Fatal(err)
	}
	alice.Records = append(alice.Records, bob)
	e.ok(t, "name", "register", "alice.test", "--wallet", w, "--zonefile", writeZone("alice.zone", alice))

	// Through the resolver, TTLs count down from at most its cache's
	// bound: they are left out of the comparison; every answer must be
	// validated (AD set).
	expect := func(addr, name, qtype, status string, answers ...string) {
		t.Helper()
		var got digAnswer
		if !waitfor.Poll(10*time.Second, func() bool {
			got = dig(t, digBin, addr, name, qtype)
			if addr == resolver {
				return got.status == status && slices.Equal(withoutTTL(got.answers), withoutTTL(answers))
			}
			return got.status == status && slices.Equal(got.answers, answers)
		}) {
			t.Fatalf("dig @%s %s %s: %s %q, want %s %q", addr, name, qtype, got.status, got.answers, status, answers)
		}
		if status != "REFUSED" && addr != resolver && !strings.Contains(got.flags, "aa") {
			t.Fatalf("dig @%s %s %s: flags %q, not authoritative", addr, name, qtype, got.flags)
		}
		if addr == resolver && !strings.Contains(got.flags, "ad") {
			t.Fatalf("dig @%s %s %s: flags %q, not validated (no AD)", addr, name, qtype, got.flags)
		}
	}
	for _, s := range []struct{ addr, suffix string }{{addrs.dns, ""}, {suffixed, ".bns.example."}} {
		n := func(name string) string { return name + strings.TrimSuffix(s.suffix, ".") + "." }
		expect(s.addr, n("alice.test"), "A", "NOERROR", n("alice.test")+" 300 A 192.0.2.1")
		expect(s.addr, n("alice.test"), "AAAA", "NOERROR", n("alice.test")+" 3600 AAAA 2001:db8::1")
		expect(s.addr, n("alice.test"), "MX", "NOERROR", n("alice.test")+" 3600 MX 10 "+n("mail.alice.test"))
		expect(s.addr, n("alice.test"), "TXT", "NOERROR", n("alice.test")+` 3600 TXT "hello from BNS"`)
		expect(s.addr, n("www.alice.test"), "A", "NOERROR", n("www.alice.test")+" 3600 CNAME "+n("alice.test"), n("alice.test")+" 300 A 192.0.2.1")
		expect(s.addr, n("_sip._udp.alice.test"), "SRV", "NOERROR", n("_sip._udp.alice.test")+" 3600 SRV 0 5 5060 "+n("mail.alice.test"))
		expect(s.addr, n("_http._tcp.alice.test"), "URI", "NOERROR", n("_http._tcp.alice.test")+` 3600 URI 10 1 "https://hub.example/alice/profile.json"`)
		expect(s.addr, n("bob.alice.test"), "A", "NOERROR", n("bob.alice.test")+" 600 A 192.0.2.2")
		expect(s.addr, n("alice.test"), "SRV", "NOERROR")
		expect(s.addr, n("nobody.test"), "A", "NXDOMAIN")
		if tcp := dig(t, digBin, s.addr, n("alice.test"), "A", "+tcp"); tcp.status != "NOERROR" || len(tcp.answers) != 1 {
			t.Fatalf("over TCP: %+v", tcp)
		}
	}
	expect(addrs.dns, "example.com.", "A", "REFUSED")
	expect(resolver, "alice.test.", "A", "NOERROR", "alice.test. 300 A 192.0.2.1")
	expect(resolver, "www.alice.test.", "A", "NOERROR", "www.alice.test. 3600 CNAME alice.test.", "alice.test. 300 A 192.0.2.1")
	expect(resolver, "bob.alice.test.", "A", "NOERROR", "bob.alice.test. 600 A 192.0.2.2")
	expect(resolver, "nobody.test.", "A", "NXDOMAIN")
	expect(resolver, "alice.test.", "SRV", "NOERROR")
	expect(resolver, "x.y.alice.test.", "A", "NXDOMAIN")
	if got := dig(t, digBin, forged, "alice.test.", "A"); got.status != "SERVFAIL" {
		t.Fatalf("unbound took a forged answer: %+v", got)
	}
	for _, c := range []struct{ name, qtype, want string }{
		{"alice.test.bns.example.", "A", "; fully validated\nalice.test.bns.example. 300 IN A 192.0.2.1"},
		{"nobody.test.bns.example.", "A", "; negative response, fully validated\n; nobody.test.bns.example. 60 IN \\-ANY ;-$NXDOMAIN"},
		{"alice.test.bns.example.", "SRV", "; negative response, fully validated\n; alice.test.bns.example. 60 IN \\-SRV ;-$NXRRSET"},
	} {
		out := delv(t, suffixed, "bns.example.", anchors[2], c.name, c.qtype)
		if !strings.Contains(oneSpaced(out), c.want) {
			t.Fatalf("delv %s %s: want %q in\n%s", c.name, c.qtype, c.want, out)
		}
	}
	if out := delv(t, tamperingProxy(t, suffixed), "bns.example.", anchors[2], "alice.test.bns.example.", "A"); strings.Contains(out, "fully validated") || !strings.Contains(out, "resolution failed") {
		t.Fatalf("delv validated a forged answer:\n%s", out)
	}

	// Trusting no node: every name proved against a consensus hash, the
	// one the node gives a few blocks below its tip (--trust-nodes, here
	// the devnet's own node), or one given (--trust, fixed at this block).
	// Subdomains, which no state proof covers, are not served; a consensus
	// hash the node's proofs do not match answers nothing.
	node, err := apiclient.New(e.node, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := node.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	anchor := fmt.Sprintf("%s@%d", info.Consensus, info.LastBlockProcessed)
	proved := startDNSCommand(t, bin, "--node", e.node, "--trust-nodes", e.node, "--dns-poll", "100ms")
	fixed := startDNSCommand(t, bin, "--node", e.node, "--trust", anchor, "--dns-poll", "100ms")
	wrong := startDNSCommand(t, bin, "--node", e.node, "--trust", strings.Repeat("0", 32)+"@"+fmt.Sprint(info.LastBlockProcessed))
	for _, addr := range []string{proved, fixed} {
		expect(addr, "alice.test.", "A", "NOERROR", "alice.test. 300 A 192.0.2.1")
		expect(addr, "www.alice.test.", "A", "NOERROR", "www.alice.test. 3600 CNAME alice.test.", "alice.test. 300 A 192.0.2.1")
		expect(addr, "nobody.test.", "A", "NXDOMAIN")
		expect(addr, "bob.alice.test.", "A", "NXDOMAIN")
	}
	if got := dig(t, digBin, wrong, "alice.test.", "A"); got.status != "SERVFAIL" {
		t.Fatalf("answered against a consensus hash the node's proofs do not match: %+v", got)
	}

	// An update shows at the next block; the name's own record
	// confirmed before update returns.
	alice.Records[0].Data = zonefile.A{Addr: netip.MustParseAddr("192.0.2.100")}
	e.ok(t, "name", "update", "alice.test", "--wallet", w, "--zonefile", writeZone("alice2.zone", alice))
	start := time.Now()
	expect(addrs.dns, "alice.test.", "A", "NOERROR", "alice.test. 300 A 192.0.2.100")
	t.Logf("the update answered %s after name update returned", time.Since(start).Round(time.Millisecond))
	expect(suffixed, "alice.test.bns.example.", "A", "NOERROR", "alice.test.bns.example. 300 A 192.0.2.100")
	expect(resolver, "alice.test.", "A", "NOERROR", "alice.test. 300 A 192.0.2.100")
	expect(proved, "alice.test.", "A", "NOERROR", "alice.test. 300 A 192.0.2.100")
	expect(fixed, "alice.test.", "A", "NOERROR", "alice.test. 300 A 192.0.2.1")

	// An expired name: a namespace whose names live 2 × 15 blocks.
	e.createNamespace(t, w, "shortlife", 15)
	carol := &zonefile.File{Origin: "carol.shortlife", Records: []zonefile.Record{{Name: "@", Data: zonefile.A{Addr: netip.MustParseAddr("192.0.2.3")}}}}
	e.ok(t, "name", "register", "carol.shortlife", "--wallet", w, "--zonefile", writeZone("carol.zone", carol))
	expect(addrs.dns, "carol.shortlife.", "A", "NOERROR", "carol.shortlife. 3600 A 192.0.2.3")
	expect(resolver, "carol.shortlife.", "A", "NOERROR", "carol.shortlife. 3600 A 192.0.2.3")
	var got digAnswer
	if !waitfor.Poll(30*time.Second, func() bool {
		got = dig(t, digBin, addrs.dns, "carol.shortlife.", "A")
		return got.status == "NXDOMAIN"
	}) {
		t.Fatalf("carol.shortlife never stopped resolving: %+v", got)
	}
	expect(resolver, "carol.shortlife.", "A", "NXDOMAIN")

	// A revoked name stops resolving, and so does its subdomain.
	e.ok(t, "name", "revoke", "alice.test", "--wallet", w)
	expect(addrs.dns, "alice.test.", "A", "NXDOMAIN")
	expect(addrs.dns, "bob.alice.test.", "A", "NXDOMAIN")
	expect(suffixed, "alice.test.bns.example.", "A", "NXDOMAIN")
	expect(resolver, "alice.test.", "A", "NXDOMAIN")
	expect(resolver, "bob.alice.test.", "A", "NXDOMAIN")
}

// withoutTTL is dig answers ("name TTL TYPE data") without their TTLs.
func withoutTTL(answers []string) []string {
	out := make([]string, len(answers))
	for i, a := range answers {
		f := strings.Fields(a)
		if len(f) > 1 {
			f[1] = "-"
		}
		out[i] = strings.Join(f, " ")
	}
	return out
}
