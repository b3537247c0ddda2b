package bnsdns

import (
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// zone is one name's zone file as served: records by owner, owners absolute
// and in lower case under apex. The cache holds one per name, a million on
// a large server, so it is sorted slices rather than maps: a map costs
// hundreds of bytes even with one key, and most zone files have a few
// owners.
type zone struct {
	apex string
	// owners are the names that hold records, sorted; rrs[i] are owners[i]'s.
	owners []string
	rrs    [][]dns.RR
	// names is every owner and every name between an owner and the apex
	// (empty non-terminals, which exist: RFC 8020), and the apex; sorted.
	names []string
}

// emptyZone is a live name without a zone file the server can serve: the
// name exists (NODATA for every type), nothing under it does.
func emptyZone(apex string) *zone {
	return &zone{apex: apex, names: []string{apex}}
}

// exists reports whether name is in z (a wildcard does not count).
func (z *zone) exists(name string) bool {
	_, ok := slices.BinarySearch(z.names, name)
	return ok
}

// at is the records owned by name.
func (z *zone) at(name string) []dns.RR {
	if i, ok := slices.BinarySearch(z.owners, name); ok {
		return z.rrs[i]
	}
	return nil
}

// newZone builds the zone of BNS name bnsName ("alice.test", or
// "bob.alice.test" for a subdomain) served at apex ("alice.test." or, with
// a suffix, "alice.test.bns.example.") from its zone file f. Relative names
// are relative to $ORIGIN, or to bnsName without one; names under bnsName
// are moved under apex; records owned outside bnsName are not served.
func newZone(bnsName, apex string, f *zonefile.File, defaultTTL uint32) *zone {
	z := emptyZone(apex)
	m := nameMap{from: dns.Fqdn(strings.ToLower(bnsName)), to: apex}
	m.origin = m.from
	if f.Origin != "" {
		m.origin = dns.Fqdn(strings.ToLower(f.Origin))
	}
	ttl := defaultTTL
	if f.HasTTL {
		ttl = f.TTL
	}
	byOwner := map[string][]dns.RR{}
	for _, r := range f.Records {
		if zonefile.IsSubdomainRecord(r) {
			continue
		}
		owner, inside := m.name(r.Name)
		if !inside {
			continue
		}
		hdr := dns.RR_Header{Name: owner, Class: dns.ClassINET, Ttl: ttl}
		if r.HasTTL {
			hdr.Ttl = r.TTL
		}
		rr := m.rr(hdr, r.Data)
		if rr == nil {
			continue
		}
		byOwner[owner] = append(byOwner[owner], rr)
	}
	names := map[string]bool{apex: true}
	for owner := range byOwner {
		for n := owner; n != apex; {
			names[n] = true
			i, end := dns.NextLabel(n, 0)
			if end {
				break
			}
			n = n[i:]
		}
	}
	z.owners = slices.Sorted(maps.Keys(byOwner))
	z.rrs = make([][]dns.RR, len(z.owners))
	for i, owner := range z.owners {
		z.rrs[i] = slices.Clip(byOwner[owner])
	}
	z.names = slices.Sorted(maps.Keys(names))
	return z
}

// nameMap turns a zone file's names into served ones.
type nameMap struct {
	origin   string // absolute, lower case
	from, to string // names under from are served under to
}

// name is s made absolute and moved under m.to; inside is false for a name
// outside m.from, which keeps its absolute form, and for one that is not a
// valid domain name once made absolute (too long).
func (m nameMap) name(s string) (name string, inside bool) {
	s = strings.ToLower(s)
	switch {
	case s == "@":
		s = m.origin
	case !dns.IsFqdn(s):
		s += "." + m.origin
		if m.origin == "." {
			s = s[:len(s)-1]
		}
	}
	if _, ok := dns.IsDomainName(s); !ok {
		return "", false
	}
	switch {
	case s == m.from:
		s = m.to
	case strings.HasSuffix(s, "."+m.from):
		s = s[:len(s)-len(m.from)] + m.to
	default:
		return s, false
	}
	if _, ok := dns.IsDomainName(s); !ok {
		return "", false
	}
	return s, true
}

// target is a data name (a CNAME's target, an MX's exchange), moved under
// m.to if it is under m.from; "" if it cannot be a domain name.
func (m nameMap) target(s string) string {
	n, _ := m.name(s)
	return n
}

// rr converts one record's data; nil for data DNS cannot carry.
func (m nameMap) rr(hdr dns.RR_Header, d zonefile.RData) dns.RR {
	h := func(t uint16) dns.RR_Header { hdr.Rrtype = t; return hdr }
	var rr dns.RR
	switch d := d.(type) {
	case zonefile.A:
		rr = &dns.A{Hdr: h(dns.TypeA), A: net.IP(d.Addr.AsSlice())}
	case zonefile.AAAA:
		rr = &dns.AAAA{Hdr: h(dns.TypeAAAA), AAAA: net.IP(d.Addr.AsSlice())}
	case zonefile.CNAME:
		rr = &dns.CNAME{Hdr: h(dns.TypeCNAME), Target: m.target(d.Target)}
	case zonefile.NS:
		rr = &dns.NS{Hdr: h(dns.TypeNS), Ns: m.target(d.Host)}
	case zonefile.PTR:
		rr = &dns.PTR{Hdr: h(dns.TypePTR), Ptr: m.target(d.Target)}
	case zonefile.MX:
		rr = &dns.MX{Hdr: h(dns.TypeMX), Preference: d.Preference, Mx: m.target(d.Exchange)}
	case zonefile.SRV:
		rr = &dns.SRV{Hdr: h(dns.TypeSRV), Priority: d.Priority, Weight: d.Weight, Port: d.Port, Target: m.target(d.Target)}
	case zonefile.URI:
		rr = &dns.URI{Hdr: h(dns.TypeURI), Priority: d.Priority, Weight: d.Weight, Target: escape(d.Target)}
	case zonefile.TXT:
		rr = &dns.TXT{Hdr: h(dns.TypeTXT), Txt: characterStrings(d.Strings)}
	case zonefile.SPF:
		rr = &dns.SPF{Hdr: h(dns.TypeSPF), Txt: characterStrings(d.Strings)}
	case zonefile.SOA:
		rr = &dns.SOA{Hdr: h(dns.TypeSOA), Ns: m.target(d.MName), Mbox: m.target(d.RName),
			Serial: d.Serial, Refresh: d.Refresh, Retry: d.Retry, Expire: d.Expire, Minttl: d.Minimum}
	default:
		return nil
	}
	// A record whose data is a name too long for DNS is dropped whole, and
	// so is one whose data the wire format cannot hold (a URI over 64 KiB).
	if dns.Len(rr) > dns.MaxMsgSize-512 || hasEmptyName(rr) {
		return nil
	}
	return rr
}

// hasEmptyName reports a data name that nameMap could not make valid.
func hasEmptyName(rr dns.RR) bool {
	switch rr := rr.(type) {
	case *dns.CNAME:
		return rr.Target == ""
	case *dns.NS:
		return rr.Ns == ""
	case *dns.PTR:
		return rr.Ptr == ""
	case *dns.MX:
		return rr.Mx == ""
	case *dns.SRV:
		return rr.Target == ""
	case *dns.SOA:
		return rr.Ns == "" || rr.Mbox == ""
	}
	return false
}

// characterStrings splits strings into DNS character-strings of at most
// 255 bytes (RFC 1035 §3.3), escaped as package dns packs them.
func characterStrings(ss []string) []string {
	var out []string
	for _, s := range ss {
		for len(s) > 255 {
			out = append(out, escape(s[:255]))
			s = s[255:]
		}
		out = append(out, escape(s))
	}
	return out
}

// escape protects the one byte package dns reads as an escape when it
// packs text (a backslash), so that the bytes go out as the zone file has
// them.
func escape(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }
