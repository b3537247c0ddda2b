package bnsdns

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// fakeSource is a Source held in maps, counting its reads.
type fakeSource struct {
	mu         sync.Mutex
	tip        Tip
	namespaces map[string]bool
	names      map[string]Name // names and subdomains
	reads      int
}

func (f *fakeSource) Tip(context.Context) (Tip, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tip, nil
}

func (f *fakeSource) Namespace(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if !f.namespaces[id] {
		return fmt.Errorf("namespace %s: %w", id, ErrNotFound)
	}
	return nil
}

func (f *fakeSource) Name(_ context.Context, name string) (Name, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	n, ok := f.names[name]
	if !ok {
		return Name{}, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return n, nil
}

func (f *fakeSource) Subdomain(ctx context.Context, fqn string) (Name, error) {
	return f.Name(ctx, fqn)
}

func (f *fakeSource) set(name, text string, live bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := Name{Live: live}
	if text != "" {
		n.Zonefile, n.ZonefileHash, n.HasZonefile = []byte(text), zonefile.HashOf([]byte(text)), true
	}
	f.names[name] = n
	f.tip.Height++
}

const (
	aliceZone = `$ORIGIN alice.test
$TTL 3600
@ 300 IN A 192.0.2.1
@ IN AAAA 2001:db8::1
@ IN MX 10 mail
@ IN TXT "v=spf1 -all" "a\\b"
@ IN NS ns1.example.net.
www IN CNAME @
ext IN CNAME www.example.com.
loop IN CNAME loop
_http._tcp IN URI 10 1 "https://hub.example/alice/profile.json"
_sip._udp IN SRV 0 5 5060 sip
mail IN A 192.0.2.25
sip IN A 192.0.2.26
*.wild IN TXT "wildcard"
carol IN TXT "owner=1Carol" "seqn=0" "parts=0"
www.other.example. IN A 192.0.2.99
`
	bobZone = "$ORIGIN bob.alice.test\n$TTL 600\n@ IN A 192.0.2.2\nhome IN AAAA 2001:db8::2\n"
)

func newTestServer(t testing.TB, suffix string) (*Server, *fakeSource) {
	t.Helper()
	return newTestServerKey(t, suffix, nil)
}

// newTestServerKey is newTestServer signing with key (DNSSEC) if not nil.
func newTestServerKey(t testing.TB, suffix string, key *ecdsa.PrivateKey) (*Server, *fakeSource) {
	t.Helper()
	src := &fakeSource{tip: Tip{Height: 100}, namespaces: map[string]bool{"test": true}, names: map[string]Name{}}
	src.set("alice.test", aliceZone, true)
	src.set("bob.alice.test", bobZone, true)
	src.set("noz.test", "", true)
	src.set("gone.test", "$ORIGIN gone.test\n@ IN A 192.0.2.3\n", false)
	src.names["lie.test"] = Name{Live: true, HasZonefile: true, ZonefileHash: zonefile.HashOf([]byte("other")),
		Zonefile: []byte("$ORIGIN lie.test\n@ IN A 192.0.2.4\n")}
	s, err := New(Config{Source: src, Suffix: suffix, NSName: "ns1.bns.example.", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, src
}

func query(s *Server, name string, qtype uint16) *dns.Msg {
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	return s.reply(context.Background(), req, false)
}

// rrs prints records without their headers' class, as "name TTL TYPE data".
func rrs(rs []dns.RR) []string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.Join(strings.Fields(strings.Replace(r.String(), "\tIN\t", "\t", 1)), " "))
	}
	return out
}

func TestAnswers(t *testing.T) {
	s, _ := newTestServer(t, "")
	soa := "test. 60 SOA ns1.bns.example. hostmaster.test. 104 3600 600 86400 60"
	for _, tc := range []struct {
		name   string
		qtype  uint16
		rcode  int
		answer []string
		ns     []string
	}{
		{"alice.test.", dns.TypeA, dns.RcodeSuccess, []string{"alice.test. 300 A 192.0.2.1"}, nil},
		{"ALICE.Test.", dns.TypeA, dns.RcodeSuccess, []string{"alice.test. 300 A 192.0.2.1"}, nil},
		{"alice.test.", dns.TypeAAAA, dns.RcodeSuccess, []string{"alice.test. 3600 AAAA 2001:db8::1"}, nil},
		{"alice.test.", dns.TypeMX, dns.RcodeSuccess, []string{"alice.test. 3600 MX 10 mail.alice.test."}, nil},
		{"alice.test.", dns.TypeTXT, dns.RcodeSuccess, []string{`alice.test. 3600 TXT "v=spf1 -all" "a\\b"`}, nil},
		{"alice.test.", dns.TypeNS, dns.RcodeSuccess, []string{"alice.test. 3600 NS ns1.example.net."}, nil},
		{"_http._tcp.alice.test.", dns.TypeURI, dns.RcodeSuccess,
			[]string{`_http._tcp.alice.test. 3600 URI 10 1 "https://hub.example/alice/profile.json"`}, nil},
		{"_sip._udp.alice.test.", dns.TypeSRV, dns.RcodeSuccess, []string{"_sip._udp.alice.test. 3600 SRV 0 5 5060 sip.alice.test."}, nil},
		// CNAMEs: followed inside, not outside; a loop ends.
		{"www.alice.test.", dns.TypeA, dns.RcodeSuccess,
			[]string{"www.alice.test. 3600 CNAME alice.test.", "alice.test. 300 A 192.0.2.1"}, nil},
		{"www.alice.test.", dns.TypeCNAME, dns.RcodeSuccess, []string{"www.alice.test. 3600 CNAME alice.test."}, nil},
		{"ext.alice.test.", dns.TypeA, dns.RcodeSuccess, []string{"ext.alice.test. 3600 CNAME www.example.com."}, nil},
		{"loop.alice.test.", dns.TypeA, dns.RcodeSuccess, []string{"loop.alice.test. 3600 CNAME loop.alice.test."}, nil},
		// NODATA: the name exists, the type does not; also an empty
		// non-terminal and a live name without a zone file.
		{"alice.test.", dns.TypeSRV, dns.RcodeSuccess, nil, []string{soa}},
		{"_tcp.alice.test.", dns.TypeA, dns.RcodeSuccess, nil, []string{soa}},
		{"noz.test.", dns.TypeA, dns.RcodeSuccess, nil, []string{soa}},
		// NXDOMAIN: never registered, revoked or expired, a zone file that
		// does not match its hash, nothing at the owner, bad names.
		{"nobody.test.", dns.TypeA, dns.RcodeNameError, nil, []string{soa}},
		{"gone.test.", dns.TypeA, dns.RcodeNameError, nil, []string{soa}},
		{"nope.alice.test.", dns.TypeA, dns.RcodeNameError, nil, []string{soa}},
		{"x.noz.test.", dns.TypeA, dns.RcodeNameError, nil, []string{soa}},
		{"in+valid.test.", dns.TypeA, dns.RcodeNameError, nil, []string{soa}},
		{"carol.alice.test.", dns.TypeTXT, dns.RcodeNameError, nil, []string{soa}},
		// A zone file whose hash the chain does not name is not served.
		{"lie.test.", dns.TypeA, dns.RcodeSuccess, nil, []string{soa}},
		// Wildcards.
		{"a.wild.alice.test.", dns.TypeTXT, dns.RcodeSuccess, []string{`a.wild.alice.test. 3600 TXT "wildcard"`}, nil},
		{"b.a.wild.alice.test.", dns.TypeTXT, dns.RcodeSuccess, []string{`b.a.wild.alice.test. 3600 TXT "wildcard"`}, nil},
		// A subdomain answers from its own zone file.
		{"bob.alice.test.", dns.TypeA, dns.RcodeSuccess, []string{"bob.alice.test. 600 A 192.0.2.2"}, nil},
		{"home.bob.alice.test.", dns.TypeAAAA, dns.RcodeSuccess, []string{"home.bob.alice.test. 600 AAAA 2001:db8::2"}, nil},
		// The namespace's apex.
		{"test.", dns.TypeSOA, dns.RcodeSuccess, []string{soa}, nil},
		{"test.", dns.TypeNS, dns.RcodeSuccess, []string{"test. 3600 NS ns1.bns.example."}, nil},
		{"test.", dns.TypeA, dns.RcodeSuccess, nil, []string{soa}},
		// Outside: refused.
		{"example.com.", dns.TypeA, dns.RcodeRefused, nil, nil},
		{"alice.nons.", dns.TypeA, dns.RcodeRefused, nil, nil},
		{".", dns.TypeNS, dns.RcodeRefused, nil, nil},
		{"alice.test.", dns.TypeAXFR, dns.RcodeRefused, nil, nil},
	} {
		m := query(s, tc.name, tc.qtype)
		if m.Rcode != tc.rcode || !slices.Equal(rrs(m.Answer), tc.answer) || !slices.Equal(rrs(m.Ns), tc.ns) {
			t.Errorf("%s %s: %s %q / %q, want %s %q / %q", tc.name, dns.TypeToString[tc.qtype],
				dns.RcodeToString[m.Rcode], rrs(m.Answer), rrs(m.Ns), dns.RcodeToString[tc.rcode], tc.answer, tc.ns)
		}
		if m.Authoritative != (tc.rcode != dns.RcodeRefused) {
			t.Errorf("%s %s: AA %v", tc.name, dns.TypeToString[tc.qtype], m.Authoritative)
		}
	}
}

func TestSuffix(t *testing.T) {
	s, _ := newTestServer(t, "BNS.example")
	soa := "bns.example. 60 SOA ns1.bns.example. hostmaster.bns.example. 104 3600 600 86400 60"
	for _, tc := range []struct {
		name   string
		qtype  uint16
		rcode  int
		answer []string
	}{
		{"alice.test.bns.example.", dns.TypeA, dns.RcodeSuccess, []string{"alice.test.bns.example. 300 A 192.0.2.1"}},
		{"alice.test.bns.example.", dns.TypeMX, dns.RcodeSuccess, []string{"alice.test.bns.example. 3600 MX 10 mail.alice.test.bns.example."}},
		{"www.alice.test.bns.example.", dns.TypeA, dns.RcodeSuccess,
			[]string{"www.alice.test.bns.example. 3600 CNAME alice.test.bns.example.", "alice.test.bns.example. 300 A 192.0.2.1"}},
		{"bob.alice.test.bns.example.", dns.TypeA, dns.RcodeSuccess, []string{"bob.alice.test.bns.example. 600 A 192.0.2.2"}},
		{"bns.example.", dns.TypeSOA, dns.RcodeSuccess, []string{soa}},
		{"test.bns.example.", dns.TypeA, dns.RcodeSuccess, nil},
		{"nobody.test.bns.example.", dns.TypeA, dns.RcodeNameError, nil},
		{"alice.nons.bns.example.", dns.TypeA, dns.RcodeNameError, nil},
		{"alice.test.", dns.TypeA, dns.RcodeRefused, nil},
	} {
		m := query(s, tc.name, tc.qtype)
		if m.Rcode != tc.rcode || !slices.Equal(rrs(m.Answer), tc.answer) {
			t.Errorf("%s %s: %s %q, want %s %q", tc.name, dns.TypeToString[tc.qtype],
				dns.RcodeToString[m.Rcode], rrs(m.Answer), dns.RcodeToString[tc.rcode], tc.answer)
		}
		if m.Rcode != dns.RcodeSuccess || len(m.Answer) == 0 {
			if got := rrs(m.Ns); tc.rcode != dns.RcodeRefused && !slices.Equal(got, []string{soa}) {
				t.Errorf("%s: authority %q, want the suffix's SOA", tc.name, got)
			}
		}
	}
}

// TestCacheFollowsTip: in steady state a query reads nothing from the
// Source; a new tip makes a change visible.
func TestCacheFollowsTip(t *testing.T) {
	s, src := newTestServer(t, "")
	query(s, "alice.test.", dns.TypeA)
	src.mu.Lock()
	before := src.reads
	src.mu.Unlock()
	for range 100 {
		query(s, "alice.test.", dns.TypeA)
		query(s, "nobody.test.", dns.TypeA)
	}
	src.mu.Lock()
	after := src.reads
	src.mu.Unlock()
	if after != before+1 { // nobody.test once
		t.Fatalf("200 queries read the source %d times, want once", after-before)
	}
	src.set("alice.test", "$ORIGIN alice.test\n@ IN A 192.0.2.77\n", true)
	if got := rrs(query(s, "alice.test.", dns.TypeA).Answer); got[0] != "alice.test. 300 A 192.0.2.1" {
		// The old answer until the tip moves: the cache is per block.
		t.Fatalf("before the tip moved: %q", got)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rrs(query(s, "alice.test.", dns.TypeA).Answer); !slices.Equal(got, []string{"alice.test. 3600 A 192.0.2.77"}) {
		t.Fatalf("after the tip moved: %q", got)
	}
	src.set("alice.test", "", false) // revoked
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := query(s, "alice.test.", dns.TypeA); m.Rcode != dns.RcodeNameError {
		t.Fatalf("a revoked name: %s", dns.RcodeToString[m.Rcode])
	}
}

// TestCacheBounded: names that do not exist do not grow the cache past
// its bound.
func TestCacheBounded(t *testing.T) {
	src := &fakeSource{namespaces: map[string]bool{"test": true}, names: map[string]Name{}}
	s, err := New(Config{Source: src, MaxEntries: 50})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if m := query(s, fmt.Sprintf("n%d.test.", i), dns.TypeA); m.Rcode != dns.RcodeNameError {
			t.Fatalf("n%d.test: %s", i, dns.RcodeToString[m.Rcode])
		}
	}
	if n := s.cache.len(); n > 50 {
		t.Fatalf("cache holds %d entries, bound 50", n)
	}
}

// TestTransport: UDP with EDNS0 and truncation, TCP for the whole answer.
func TestTransport(t *testing.T) {
	s, src := newTestServer(t, "")
	// A zone file whose TXT records fill more than 512 bytes and less than 1232.
	var big strings.Builder
	big.WriteString("$ORIGIN big.test\n")
	for i := range 20 {
		fmt.Fprintf(&big, "@ IN TXT \"%s-%02d\"\n", strings.Repeat("x", 40), i)
	}
	src.set("big.test", big.String(), true)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	pc, ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, pc, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	ask := func(netw string, edns uint16) *dns.Msg {
		t.Helper()
		req := new(dns.Msg)
		req.SetQuestion("big.test.", dns.TypeTXT)
		if edns > 0 {
			req.SetEdns0(edns, false)
		}
		c := &dns.Client{Net: netw, UDPSize: 65535}
		m, _, err := c.Exchange(req, addr)
		if err != nil {
			t.Fatalf("%s: %v", netw, err)
		}
		return m
	}
	plain := ask("udp", 0)
	plain.Compress = true // as sent: Len is the wire size
	if !plain.Truncated || plain.Len() > 512 || plain.Rcode != dns.RcodeSuccess {
		t.Fatalf("UDP without EDNS0: TC %v, %d bytes", plain.Truncated, plain.Len())
	}
	edns := ask("udp", 4096)
	if edns.Truncated || len(edns.Answer) != 20 || edns.IsEdns0() == nil || edns.IsEdns0().UDPSize() != maxUDP {
		t.Fatalf("UDP with EDNS0 4096: TC %v, %d answers, OPT %v", edns.Truncated, len(edns.Answer), edns.IsEdns0())
	}
	tcp := ask("tcp", 0)
	if tcp.Truncated || len(tcp.Answer) != 20 {
		t.Fatalf("TCP: TC %v, %d answers", tcp.Truncated, len(tcp.Answer))
	}
	// EDNS version 1 is answered BADVERS (RFC 6891 §6.1.3).
	req := new(dns.Msg)
	req.SetQuestion("alice.test.", dns.TypeA)
	req.SetEdns0(1232, false)
	req.IsEdns0().SetVersion(1)
	m, _, err := (&dns.Client{Net: "udp"}).Exchange(req, addr)
	if err != nil || m.Rcode != dns.RcodeBadVers {
		t.Fatalf("EDNS version 1: %v %v", m, err)
	}
	if _, err := net.Dial("tcp", addr); err != nil {
		t.Fatal(err)
	}
}
