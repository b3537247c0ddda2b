package bnsdns

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func testKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// queryDO asks s for name and type over EDNS0, with the DO bit or without.
func queryDO(s *Server, name string, qtype uint16, do bool) *dns.Msg {
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	req.SetEdns0(maxUDP, do)
	return s.reply(context.Background(), req, false)
}

// verifySigned checks that every RRset of m's answer and authority
// sections has a signature by key, made for zone, valid now.
func verifySigned(t *testing.T, m *dns.Msg, key *ecdsa.PrivateKey, zone string) {
	t.Helper()
	for _, section := range [][]dns.RR{m.Answer, m.Ns} {
		sets := map[string][]dns.RR{}
		sigs := map[string]*dns.RRSIG{}
		for _, rr := range section {
			if sig, ok := rr.(*dns.RRSIG); ok {
				sigs[strings.ToLower(sig.Hdr.Name)+"/"+dns.TypeToString[sig.TypeCovered]] = sig
				continue
			}
			k := strings.ToLower(rr.Header().Name) + "/" + dns.TypeToString[rr.Header().Rrtype]
			sets[k] = append(sets[k], rr)
		}
		for k, set := range sets {
			sig := sigs[k]
			switch {
			case sig == nil:
				t.Fatalf("%s: no RRSIG in\n%v", k, m)
			case sig.SignerName != zone:
				t.Fatalf("%s: signed for %s, want %s", k, sig.SignerName, zone)
			case !sig.ValidityPeriod(time.Now()):
				t.Fatalf("%s: signature not valid now", k)
			}
			if err := sig.Verify(DNSKEY(key, zone, 0), set); err != nil {
				t.Fatalf("%s: %v\n%v", k, err, m)
			}
		}
	}
}

// nsec3s is m's authority section's NSEC3 records.
func nsec3s(m *dns.Msg) []*dns.NSEC3 {
	var out []*dns.NSEC3
	for _, rr := range m.Ns {
		if n, ok := rr.(*dns.NSEC3); ok {
			out = append(out, n)
		}
	}
	return out
}

// TestDNSSEC: with the DO bit every answer's RRsets are signed by the key
// for the zone's apex, a NODATA carries the NSEC3 matching the name
// without the type asked, an NXDOMAIN the closest encloser's match and
// covers for the next closer name and the wildcard; the apex answers its
// DNSKEY. Without DO, no signature and no NSEC3. In both modes.
func TestDNSSEC(t *testing.T) {
	key := testKey(t)
	for _, suffix := range []string{"", "bns.example."} {
		s, _ := newTestServerKey(t, suffix, key)
		n := func(name string) string { return name + suffix }
		zone := cmp.Or(suffix, "test.")
		for _, tc := range []struct {
			name   string
			qtype  uint16
			rcode  int
			answer bool
			// NODATA: the name whose match proves it; NXDOMAIN: the
			// closest encloser and the next closer name.
			match, nextCloser string
		}{
			{name: n("alice.test."), qtype: dns.TypeA, answer: true},
			{name: n("www.alice.test."), qtype: dns.TypeA, answer: true},
			{name: n("x.wild.alice.test."), qtype: dns.TypeTXT, answer: true},
			{name: n("bob.alice.test."), qtype: dns.TypeA, answer: true},
			{name: zone, qtype: dns.TypeDNSKEY, answer: true},
			{name: n("alice.test."), qtype: dns.TypeSRV, match: n("alice.test.")},
			{name: n("alice.test."), qtype: dns.TypeDS, match: n("alice.test.")},
			{name: n("_tcp.alice.test."), qtype: dns.TypeA, match: n("_tcp.alice.test.")},
			{name: n("nobody.test."), qtype: dns.TypeA, rcode: dns.RcodeNameError, match: n("test."), nextCloser: n("nobody.test.")},
			{name: n("x.y.alice.test."), qtype: dns.TypeA, rcode: dns.RcodeNameError, match: n("alice.test."), nextCloser: n("y.alice.test.")},
			{name: n("a.b.gone.test."), qtype: dns.TypeA, rcode: dns.RcodeNameError, match: n("test."), nextCloser: n("gone.test.")},
		} {
			m := queryDO(s, tc.name, tc.qtype, true)
			what := tc.name + " " + dns.TypeToString[tc.qtype]
			if m.Rcode != tc.rcode || (len(m.Answer) > 0) != tc.answer || !m.IsEdns0().Do() {
				t.Fatalf("%s: %v", what, m)
			}
			if tc.qtype == dns.TypeDNSKEY {
				if k, ok := m.Answer[0].(*dns.DNSKEY); !ok || k.PublicKey != DNSKEY(key, zone, 0).PublicKey {
					t.Fatalf("%s: %v", what, m)
				}
			}
			verifySigned(t, m, key, zone)
			proofs := nsec3s(m)
			switch {
			case tc.answer:
				if len(proofs) != 0 {
					t.Fatalf("%s: NSEC3 in a positive answer: %v", what, m)
				}
			case tc.rcode == dns.RcodeSuccess: // NODATA
				if len(proofs) != 1 || !proofs[0].Match(tc.match) {
					t.Fatalf("%s: want one NSEC3 matching %s: %v", what, tc.match, m)
				}
				if slices.Contains(proofs[0].TypeBitMap, tc.qtype) || slices.Contains(proofs[0].TypeBitMap, dns.TypeCNAME) ||
					slices.Contains(proofs[0].TypeBitMap, dns.TypeNS) {
					t.Fatalf("%s: the NSEC3's types %v", what, proofs[0].TypeBitMap)
				}
			default: // NXDOMAIN
				if len(proofs) != 3 || !proofs[0].Match(tc.match) || !proofs[1].Cover(tc.nextCloser) || !proofs[2].Cover("*."+tc.match) ||
					proofs[1].Cover(tc.match) || proofs[2].Cover(tc.match) {
					t.Fatalf("%s: want a match of %s and covers of %s and the wildcard: %v", what, tc.match, tc.nextCloser, m)
				}
			}
			plain := queryDO(s, tc.name, tc.qtype, false)
			for _, rr := range append(plain.Answer, plain.Ns...) {
				if rt := rr.Header().Rrtype; rt == dns.TypeRRSIG || rt == dns.TypeNSEC3 {
					t.Fatalf("%s: DNSSEC records without DO: %v", what, plain)
				}
			}
		}
	}
}

// TestSignaturesCached: a second query signs nothing (ECDSA signatures are
// randomised: the same signature is the cached one); once the tip moves,
// the answer is signed again.
func TestSignaturesCached(t *testing.T) {
	s, src := newTestServerKey(t, "", testKey(t))
	sig := func() string {
		m := queryDO(s, "alice.test.", dns.TypeA, true)
		return m.Answer[len(m.Answer)-1].(*dns.RRSIG).Signature
	}
	first := sig()
	if again := sig(); again != first {
		t.Fatal("the second answer was signed again")
	}
	src.set("carol.test", "", true)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sig() == first {
		t.Fatal("a signature outlived the tip")
	}
}

// TestLoadKey: a missing key file is made (0600) and read back the same;
// a file that is not an ECDSA P-256 key is refused.
func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dns.key")
	k1, made, err := LoadKey(path)
	if err != nil || !made {
		t.Fatalf("first load: %v, made %v", err, made)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	k2, made, err := LoadKey(path)
	if err != nil || made || !k1.Equal(k2) {
		t.Fatalf("second load: %v, made %v, same key %v", err, made, k1.Equal(k2))
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	for name, data := range map[string][]byte{
		"garbage": []byte("not a key"),
		"rsa":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaDER}),
		"p384":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p384DER}),
	} {
		bad := filepath.Join(dir, name)
		if err := os.WriteFile(bad, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadKey(bad); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestCheckZone(t *testing.T) {
	for zone, ok := range map[string]bool{
		"test": true, "bns.example.": true, "BNS.Example": true, "_x-y.example": true,
		"": false, ".": false, "not a name!": false, "a..b": false, "é.test": false, `a\.b.test`: false,
	} {
		if err := CheckZone(zone); (err == nil) != ok {
			t.Errorf("CheckZone(%q): %v, want ok %v", zone, err, ok)
		}
	}
}

// BenchmarkRandomNames is a flood of queries for names that do not
// exist, each new, with DO and without: with it, every answer's NSEC3
// white lies are made and signed anew (the signature cache never hits),
// so this is the CPU a query of such a flood costs; the cache stays
// bounded by MaxEntries.
//
//	go test -run - -bench RandomNames -benchmem ./bnsdns
func BenchmarkRandomNames(b *testing.B) {
	for _, do := range []bool{false, true} {
		b.Run(fmt.Sprintf("do=%v", do), func(b *testing.B) {
			s, _ := newTestServerKey(b, "", testKey(b))
			i := 0
			for b.Loop() {
				i++
				if m := queryDO(s, fmt.Sprintf("r%d.test.", i), dns.TypeA, do); m.Rcode != dns.RcodeNameError {
					b.Fatalf("rcode %d", m.Rcode)
				}
			}
			b.ReportMetric(float64(len(s.cache.sigs)), "sigs-cached")
		})
	}
}
