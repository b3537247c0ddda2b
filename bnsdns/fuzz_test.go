package bnsdns

import (
	"context"
	"testing"

	"github.com/miekg/dns"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// FuzzReply feeds the query path any packet that unpacks as a DNS
// message: the answer must pack, carry the query's id and fit a UDP
// payload (512 bytes, or what EDNS0 asked up to maxUDP). The server signs,
// so that queries with the DO bit go through DNSSEC's signatures and
// NSEC3 proofs too.
func FuzzReply(f *testing.F) {
	s, _ := newTestServerKey(f, "", testKey(f))
	for _, q := range []struct {
		name  string
		qtype uint16
		edns  uint16
	}{
		{"alice.test.", dns.TypeA, 0}, {"www.alice.test.", dns.TypeANY, 4096}, {"bob.alice.test.", dns.TypeAAAA, 512},
		{"a.wild.alice.test.", dns.TypeTXT, 0}, {"nobody.test.", dns.TypeMX, 1232}, {"test.", dns.TypeSOA, 0},
		{"x.y.alice.test.", dns.TypeA, 1232}, {"alice.test.", dns.TypeSRV, 1232}, {"test.", dns.TypeDNSKEY, 1232},
	} {
		req := new(dns.Msg)
		req.SetQuestion(q.name, q.qtype)
		if q.edns > 0 {
			req.SetEdns0(q.edns, true)
		}
		b, err := req.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, packet []byte) {
		req := new(dns.Msg)
		if req.Unpack(packet) != nil {
			return // the dns package's server answers those FORMERR itself
		}
		m := s.reply(context.Background(), req, true)
		out, err := m.Pack()
		if err != nil {
			t.Fatalf("answer does not pack: %v\n%v", err, m)
		}
		limit := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil && opt.Version() == 0 {
			limit = min(max(int(opt.UDPSize()), dns.MinMsgSize), maxUDP)
		}
		if len(out) > limit {
			t.Fatalf("answer is %d bytes over UDP, limit %d", len(out), limit)
		}
		if m.Id != req.Id || !m.Response {
			t.Fatalf("answer id %d response %v, query id %d", m.Id, m.Response, req.Id)
		}
	})
}

// FuzzZone: whatever zone file parses, every record the server would
// serve from it packs.
func FuzzZone(f *testing.F) {
	f.Add([]byte(aliceZone))
	f.Add([]byte(bobZone))
	f.Add([]byte("$ORIGIN .\n@ IN CNAME @\nx IN TXT \"\\\\\"\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		zf, err := zonefile.Parse(text)
		if err != nil {
			return
		}
		z := newZone("alice.test", "alice.test.bns.example.", zf, 3600)
		for i, owner := range z.owners {
			for _, rr := range z.rrs[i] {
				m := new(dns.Msg)
				m.SetQuestion(owner, rr.Header().Rrtype)
				m.Answer = []dns.RR{rr}
				if _, err := m.Pack(); err != nil {
					t.Fatalf("%v does not pack: %v", rr, err)
				}
			}
		}
	})
}
