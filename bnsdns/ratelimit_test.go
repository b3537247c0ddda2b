package bnsdns

import (
	"hash/maphash"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// recorder is a dns.ResponseWriter that keeps what is written to a client
// at addr.
type recorder struct {
	dns.ResponseWriter
	addr net.Addr
	msgs []*dns.Msg
}

func (r *recorder) RemoteAddr() net.Addr      { return r.addr }
func (r *recorder) WriteMsg(m *dns.Msg) error { r.msgs = append(r.msgs, m); return nil }

// TestRateLimit: past the limit, a client network's UDP answers are
// alternately truncated and dropped, whatever the address within the
// network; another network and TCP are not limited; the budget comes
// back with time.
func TestRateLimit(t *testing.T) {
	s, _ := newTestServer(t, "")
	s.limit = newLimiter(5)
	clock := time.Unix(1_700_000_000, 0)
	s.limit.now = func() time.Time { return clock }
	ask := func(addr net.Addr) (answered, truncated, dropped int) {
		w := &recorder{addr: addr}
		req := new(dns.Msg)
		req.SetQuestion("alice.test.", dns.TypeA)
		s.ServeDNS(w, req)
		switch {
		case len(w.msgs) == 0:
			return 0, 0, 1
		case w.msgs[0].Truncated && len(w.msgs[0].Answer) == 0:
			return 0, 1, 0
		case len(w.msgs[0].Answer) > 0:
			return 1, 0, 0
		}
		t.Fatalf("answer %v", w.msgs[0])
		return
	}
	count := func(n int, addr func(i int) net.Addr) (a, tr, d int) {
		for i := range n {
			x, y, z := ask(addr(i))
			a, tr, d = a+x, tr+y, d+z
		}
		return
	}
	flooder := func(i int) net.Addr { return &net.UDPAddr{IP: net.IPv4(198, 51, 100, byte(i)), Port: 53} }
	if a, tr, d := count(25, flooder); a != 5 || tr != 10 || d != 10 {
		t.Errorf("25 queries from one /24 at once: %d answered, %d truncated, %d dropped; want 5, 10, 10", a, tr, d)
	}
	// Another network, in a slot of its own (networks may share one).
	slot := func(ip net.IP) uint64 { return maphash.Bytes(s.limit.seed, network(ip)) % rateSlots }
	otherIP := net.ParseIP("2001:db8:1::1")
	for n := byte(2); slot(otherIP) == slot(net.IPv4(198, 51, 100, 0)); n++ {
		otherIP[5] = n
	}
	other := func(int) net.Addr { return &net.UDPAddr{IP: otherIP, Port: 53} }
	if a, _, _ := count(5, other); a != 5 {
		t.Errorf("another network: %d of 5 answered", a)
	}
	tcp := func(i int) net.Addr { return &net.TCPAddr{IP: net.IPv4(198, 51, 100, byte(i)), Port: 53} }
	if a, _, _ := count(20, tcp); a != 20 {
		t.Errorf("over TCP from the flooding network: %d of 20 answered", a)
	}
	clock = clock.Add(time.Second)
	if a, _, _ := count(5, flooder); a != 5 {
		t.Errorf("a second later: %d of 5 answered", a)
	}
}
