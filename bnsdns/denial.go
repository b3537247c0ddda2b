package bnsdns

import (
	"context"
	"encoding/base32"
	"math/big"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Authenticated denial is NSEC3 "white lies" (RFC 7129 §5, as PowerDNS's
// narrow mode and other online signers do): for each negative answer the
// server makes up NSEC3 records whose hash intervals are just wide enough,
// hash-1 to hash+1, to cover the one hash they deny. Unlike NSEC, that
// walks no zone (the records name nothing real but the closest
// encloser's hash); unlike compact denial's NSEC "black lies" (RFC 9824),
// an NXDOMAIN stays an NXDOMAIN that validators of today, Unbound 1.17
// and BIND's delv among them, prove as such. Hashes take no salt and one
// round (RFC 9276).

// hexNoPad is NSEC3's base32 with the extended hex alphabet (RFC 5155 §3.3).
var hexNoPad = base32.HexEncoding.WithPadding(base32.NoPadding)

// hashLen is SHA-1's length, NSEC3's only hash.
const hashLen = 20

// deny adds to m's authority section the NSEC3 records that prove its
// negative answer for name in the zone at apex: for NODATA (nxdomain
// false), the record matching name with the types rrs hold there; for
// NXDOMAIN, the closest encloser proof and the absence of a wildcard
// (RFC 5155 §7.2.2).
func (s *Server) deny(ctx context.Context, m *dns.Msg, name, apex string, rrs []dns.RR, nxdomain bool) error {
	if !nxdomain {
		m.Ns = append(m.Ns, s.nsec3Match(name, apex, rrs))
		return nil
	}
	// The closest encloser: the nearest ancestor that exists (the apex
	// always does).
	nextCloser, ce := name, name
	for {
		i, end := dns.NextLabel(ce, 0)
		if end || !dns.IsSubDomain(apex, ce[i:]) {
			return nil // name is the apex, which exists: no NXDOMAIN to prove
		}
		nextCloser, ce = ce, ce[i:]
		z, _, err := s.find(ctx, ce)
		if err != nil {
			return err
		}
		if ce == apex || z != nil && z.exists(ce) {
			var at []dns.RR
			if z != nil {
				at = z.at(ce)
			}
			m.Ns = append(m.Ns, s.nsec3Match(ce, apex, at))
			break
		}
	}
	m.Ns = append(m.Ns, s.nsec3Cover(nextCloser, apex), s.nsec3Cover("*."+ce, apex))
	return nil
}

// nsec3Match is the NSEC3 record at name's hash, saying which types name
// has (rrs's, and RRSIG with them).
func (s *Server) nsec3Match(name, apex string, rrs []dns.RR) dns.RR {
	h := nsec3Hash(name)
	var types []uint16
	for _, rr := range rrs {
		t := rr.Header().Rrtype
		// An NS set below an apex is data here, not a delegation; in the
		// bitmap it would tell validators the name is one, and they would
		// take the NODATA proof for the parent's.
		if t == dns.TypeNS && name != apex || slices.Contains(types, t) {
			continue
		}
		types = append(types, t)
	}
	if len(types) > 0 {
		types = append(types, dns.TypeRRSIG)
	}
	slices.Sort(types)
	return s.nsec3(h, addHash(h, 1), apex, types)
}

// nsec3Cover is an NSEC3 record whose interval covers only name's hash:
// proof that name does not exist.
func (s *Server) nsec3Cover(name, apex string) dns.RR {
	h := nsec3Hash(name)
	return s.nsec3(addHash(h, -1), addHash(h, 1), apex, nil)
}

func (s *Server) nsec3(owner, next []byte, apex string, types []uint16) dns.RR {
	return &dns.NSEC3{
		Hdr:        dns.RR_Header{Name: strings.ToLower(hexNoPad.EncodeToString(owner)) + "." + apex, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: s.cfg.NegativeTTL},
		Hash:       dns.SHA1,
		HashLength: hashLen,
		NextDomain: hexNoPad.EncodeToString(next),
		TypeBitMap: types,
	}
}

// nsec3Hash is name's NSEC3 hash: SHA-1, no salt, no extra iteration.
func nsec3Hash(name string) []byte {
	h, _ := hexNoPad.DecodeString(dns.HashName(name, dns.SHA1, 0, ""))
	return h
}

// addHash is h+d modulo 2^160: the hash next to h, either way round.
func addHash(h []byte, d int64) []byte {
	n := new(big.Int).SetBytes(h)
	n.Add(n, big.NewInt(d))
	n.Mod(n, new(big.Int).Lsh(big.NewInt(1), 8*hashLen))
	return n.FillBytes(make([]byte, hashLen))
}
