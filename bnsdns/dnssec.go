package bnsdns

import (
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Signatures are made online, when an answer first needs them, and kept in
// the cache until the tip moves, so a steady-state query signs nothing.
const (
	// sigValidity is how long a signature is valid after it is made.
	sigValidity = 7 * 24 * time.Hour
	// sigBackdate starts a signature's validity before it is made, for
	// validators whose clocks run behind.
	sigBackdate = time.Hour
	// sigRenew is how old a cached signature may be before it is made
	// again, so that none served is near its expiry on a chain that stalls.
	sigRenew = 24 * time.Hour
)

// sigEntry is a cached signature and when it was made.
type sigEntry struct {
	rr *dns.RRSIG
	at time.Time
}

// sign puts an RRSIG after each RRset of m's answer and authority
// sections.
func (s *Server) sign(m *dns.Msg) {
	m.Answer = s.signSection(m.Answer)
	m.Ns = s.signSection(m.Ns)
}

// signSection groups rrs into RRsets (by owner and type, in the order they
// first appear: an ANY answer may interleave them) and puts each RRset's
// signature after it.
func (s *Server) signSection(rrs []dns.RR) []dns.RR {
	type setKey struct {
		name  string
		rtype uint16
	}
	var order []setKey
	sets := map[setKey][]dns.RR{}
	for _, rr := range rrs {
		k := setKey{strings.ToLower(rr.Header().Name), rr.Header().Rrtype}
		if _, ok := sets[k]; !ok {
			order = append(order, k)
		}
		sets[k] = append(sets[k], rr)
	}
	out := make([]dns.RR, 0, len(rrs)+len(order))
	for _, k := range order {
		out = append(out, sets[k]...)
		if sig := s.rrsig(sets[k]); sig != nil {
			out = append(out, sig)
		}
	}
	return out
}

// rrsig is set's signature, from the cache if one was made for the same
// records less than sigRenew ago; nil if it cannot be made.
func (s *Server) rrsig(set []dns.RR) *dns.RRSIG {
	var key strings.Builder
	for _, rr := range set {
		key.WriteString(rr.String())
		key.WriteByte('\n')
	}
	now := time.Now()
	if e, ok := s.cache.sig(key.String()); ok && now.Sub(e.at) < sigRenew {
		return e.rr
	}
	h := set[0].Header()
	sig := &dns.RRSIG{
		Hdr:        dns.RR_Header{Ttl: h.Ttl},
		Algorithm:  dns.ECDSAP256SHA256,
		KeyTag:     s.keyTag,
		SignerName: s.zoneOf(strings.ToLower(h.Name)),
		Inception:  uint32(now.Add(-sigBackdate).Unix()),
		Expiration: uint32(now.Add(sigValidity).Unix()),
	}
	if err := sig.Sign(s.cfg.Key, set); err != nil {
		s.cfg.Log.Warn("dnssec: signing", "name", h.Name, "type", dns.TypeToString[h.Rrtype], "err", err)
		return nil
	}
	s.cache.putSig(key.String(), sigEntry{rr: sig, at: now})
	return sig
}

// zoneOf is the apex of the zone that holds name (lower case, absolute,
// inside what the server answers for): the suffix, or the namespace.
func (s *Server) zoneOf(name string) string {
	if s.suffix != "" {
		return s.suffix
	}
	labels := dns.SplitDomainName(name)
	return labels[len(labels)-1] + "."
}
