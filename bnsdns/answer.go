package bnsdns

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// maxChase bounds the CNAME links followed in one answer.
const maxChase = 8

// reply answers req; over UDP it fits the answer to what the client takes
// (512 bytes, or its EDNS0 payload size up to maxUDP), setting TC if it
// had to drop records.
func (s *Server) reply(ctx context.Context, req *dns.Msg, udp bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	size := dns.MinMsgSize
	signed := false
	if opt := req.IsEdns0(); opt != nil {
		// Signatures only for clients that ask (RFC 4035 §3.2.1).
		signed = opt.Do() && s.cfg.Key != nil
		m.SetEdns0(maxUDP, signed)
		if opt.Version() != 0 {
			m.Rcode = dns.RcodeBadVers // RFC 6891 §6.1.3
			return m
		}
		size = min(max(int(opt.UDPSize()), dns.MinMsgSize), maxUDP)
	}
	switch {
	case req.Opcode != dns.OpcodeQuery:
		m.Rcode = dns.RcodeNotImplemented
	case len(req.Question) != 1:
		m.Rcode = dns.RcodeFormatError
	case req.Question[0].Qclass != dns.ClassINET && req.Question[0].Qclass != dns.ClassANY,
		// Zone transfers would list every name: not offered.
		req.Question[0].Qtype == dns.TypeAXFR || req.Question[0].Qtype == dns.TypeIXFR:
		m.Rcode = dns.RcodeRefused
	default:
		s.answer(ctx, m, req.Question[0].Name, req.Question[0].Qtype, signed)
		if signed && (m.Rcode == dns.RcodeSuccess || m.Rcode == dns.RcodeNameError) {
			s.sign(m)
		}
	}
	if udp {
		m.Truncate(size)
	}
	return m
}

// answer fills m for qname and qtype, following CNAMEs; with signed, a
// negative answer carries its NSEC3 proof.
func (s *Server) answer(ctx context.Context, m *dns.Msg, qname string, qtype uint16, signed bool) {
	name := strings.ToLower(qname)
	seen := map[string]bool{name: true}
	for hop := 0; ; hop++ {
		z, soa, err := s.find(ctx, name)
		switch {
		case err != nil:
			s.cfg.Log.Warn("dns lookup", "name", name, "err", err)
			m.Rcode = dns.RcodeServerFailure
			return
		case soa == nil:
			// Not a name the server answers for. After a CNAME the answer
			// ends at the link; a resolver follows it elsewhere.
			if hop == 0 {
				m.Rcode = dns.RcodeRefused
			}
			return
		}
		m.Authoritative = true
		var rrs []dns.RR
		exists := false
		if z != nil { // nil: no such name
			rrs, exists = z.lookup(name)
		}
		if !exists {
			m.Rcode = dns.RcodeNameError
			m.Ns = []dns.RR{soa}
			s.proveDenial(ctx, m, name, soa, nil, signed)
			return
		}
		if qtype != dns.TypeCNAME && qtype != dns.TypeANY {
			if c := cnameOf(rrs); c != nil {
				m.Answer = append(m.Answer, c)
				target := strings.ToLower(c.Target)
				if seen[target] || hop == maxChase {
					return
				}
				seen[target], name = true, target
				continue
			}
		}
		before := len(m.Answer)
		for _, rr := range rrs {
			if qtype == dns.TypeANY || rr.Header().Rrtype == qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		if len(m.Answer) == before {
			m.Ns = []dns.RR{soa} // NODATA (RFC 2308 §2.2)
			s.proveDenial(ctx, m, name, soa, rrs, signed)
		}
		return
	}
}

// proveDenial adds the NSEC3 proof of m's negative answer for name when
// the answer is signed; one that cannot be made is a SERVFAIL.
func (s *Server) proveDenial(ctx context.Context, m *dns.Msg, name string, soa dns.RR, rrs []dns.RR, signed bool) {
	if !signed {
		return
	}
	if err := s.deny(ctx, m, name, soa.Header().Name, rrs, m.Rcode == dns.RcodeNameError); err != nil {
		s.cfg.Log.Warn("dns lookup", "name", name, "err", err)
		m.Rcode, m.Answer, m.Ns = dns.RcodeServerFailure, nil, nil
	}
}

func cnameOf(rrs []dns.RR) *dns.CNAME {
	for _, rr := range rrs {
		if c, ok := rr.(*dns.CNAME); ok {
			return c
		}
	}
	return nil
}

// lookup returns the records at name (synthesised from a wildcard if need
// be, RFC 4592 §3.3.1) and whether name exists.
func (z *zone) lookup(name string) ([]dns.RR, bool) {
	if z.exists(name) {
		return z.at(name), true
	}
	if !dns.IsSubDomain(z.apex, name) {
		return nil, false
	}
	// The closest encloser is the nearest existing ancestor; its wildcard
	// child, if any, answers for name.
	ce := name
	for !z.exists(ce) {
		i, end := dns.NextLabel(ce, 0)
		if end {
			return nil, false
		}
		ce = ce[i:]
	}
	wild := z.at("*." + ce)
	if wild == nil {
		return nil, false
	}
	out := make([]dns.RR, len(wild))
	for i, rr := range wild {
		out[i] = dns.Copy(rr)
		out[i].Header().Name = name
	}
	return out, true
}

// find returns the zone that answers for name and the SOA of negative
// answers; a nil SOA when name is outside what the server answers for.
func (s *Server) find(ctx context.Context, name string) (*zone, dns.RR, error) {
	rest := name
	if s.suffix != "" {
		if !dns.IsSubDomain(s.suffix, name) {
			return nil, nil, nil
		}
		rest = strings.TrimSuffix(strings.TrimSuffix(name, s.suffix), ".")
		if rest == "" {
			return s.apexZone(s.suffix), s.soa(s.suffix), nil
		}
	}
	labels := dns.SplitDomainName(rest)
	if len(labels) == 0 {
		return nil, nil, nil // the root
	}
	ns := labels[len(labels)-1]
	nsApex := ns + "." + s.suffix
	if s.suffix == "" {
		nsApex = ns + "."
	}
	// With a suffix, one zone holds every name; without, each namespace
	// is a zone of its own.
	soaApex := cmp.Or(s.suffix, nsApex)
	var outside dns.RR // what a name not in a namespace gets
	if s.suffix != "" {
		outside = s.soa(soaApex)
	}
	if bns.ValidNamespaceID(ns) != nil {
		return nil, outside, nil
	}
	found, _, err := s.lookup(ctx, "namespace/"+ns, func(ctx context.Context) (*entry, error) {
		err := s.cfg.Source.Namespace(ctx, ns)
		if errors.Is(err, ErrNotFound) {
			return &entry{}, nil
		}
		return &entry{exists: err == nil}, err
	})
	switch {
	case err != nil:
		return nil, nil, err
	case !found:
		return nil, outside, nil
	case len(labels) == 1:
		if s.suffix != "" {
			return emptyZone(nsApex), s.soa(soaApex), nil
		}
		return s.apexZone(nsApex), s.soa(soaApex), nil
	}
	soa := s.soa(soaApex)
	bnsName := labels[len(labels)-2] + "." + ns
	if bns.ValidName(bnsName) != nil {
		return nil, soa, nil
	}
	found, z, err := s.lookup(ctx, "name/"+bnsName, func(ctx context.Context) (*entry, error) {
		n, err := s.cfg.Source.Name(ctx, bnsName)
		return s.entry(bnsName, n, err)
	})
	if err != nil || !found {
		return nil, soa, err
	}
	if len(labels) >= 3 {
		fqn := labels[len(labels)-3] + "." + bnsName
		if _, _, err := subdomains.SplitFQN(fqn); err == nil {
			found, sz, err := s.lookup(ctx, "subdomain/"+fqn, func(ctx context.Context) (*entry, error) {
				n, err := s.cfg.Source.Subdomain(ctx, fqn)
				return s.entry(fqn, n, err)
			})
			if err != nil {
				return nil, nil, err
			}
			if found {
				z = sz
			}
		}
	}
	return z, soa, nil
}

// lookup returns key's entry from the cache, or read's, which it caches.
func (s *Server) lookup(ctx context.Context, key string, read func(context.Context) (*entry, error)) (bool, *zone, error) {
	now := time.Now()
	e, gen := s.cache.get(key, now)
	if e == nil {
		var err error
		if e, err = read(ctx); err != nil {
			return false, nil, err
		}
		s.cache.put(key, e, gen)
	}
	return e.exists, e.zone, nil
}

// entry turns a Source's answer for a name or subdomain into a cache entry:
// its zone, built from its zone file if the hash matches and it parses.
func (s *Server) entry(name string, n Name, err error) (*entry, error) {
	switch {
	case errors.Is(err, ErrNotFound):
		return &entry{}, nil
	case err != nil:
		return nil, err
	case !n.Live:
		return &entry{}, nil
	}
	apex := dns.Fqdn(name) + s.suffix
	if s.suffix == "" {
		apex = dns.Fqdn(name)
	}
	e := &entry{exists: true, zone: emptyZone(apex)}
	switch {
	case !n.HasZonefile:
	case n.Zonefile == nil:
		// The zone file may be on its way (Atlas): look again soon rather
		// than at the next block.
		e.until = time.Now().Add(s.cfg.Poll)
	case zonefile.HashOf(n.Zonefile) != n.ZonefileHash:
		s.cfg.Log.Warn("dns: zone file does not match its hash; not served", "name", name, "hash", n.ZonefileHash)
	default:
		f, err := zonefile.Parse(n.Zonefile)
		if err != nil {
			s.cfg.Log.Info("dns: zone file does not parse; not served", "name", name, "err", err)
			break
		}
		e.zone = newZone(name, apex, f, s.cfg.DefaultTTL)
	}
	return e, nil
}

// soa is the SOA of the zone at apex: its serial is the block height.
func (s *Server) soa(apex string) dns.RR {
	ttl := s.cfg.NegativeTTL
	return &dns.SOA{
		Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns:  s.cfg.NSName, Mbox: "hostmaster." + apex,
		Serial: uint32(s.cache.currentTip().Height), Refresh: 3600, Retry: 600, Expire: 86400, Minttl: ttl,
	}
}

// apexZone is a zone apex the server makes up: its SOA and NS, and its
// DNSKEY when the server signs.
func (s *Server) apexZone(apex string) *zone {
	rrs := []dns.RR{s.soa(apex), &dns.NS{
		Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: s.cfg.DefaultTTL},
		Ns:  s.cfg.NSName,
	}}
	if s.cfg.Key != nil {
		rrs = append(rrs, DNSKEY(s.cfg.Key, apex, s.cfg.DefaultTTL))
	}
	z := emptyZone(apex)
	z.owners, z.rrs = []string{apex}, [][]dns.RR{rrs}
	return z
}
