package zonefile

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The Blockstack conventions below come from Blockstack v1: blockstack.js
// (profile zone files), blockstack-core's subdomains.py (subdomain records)
// and stacks-core's docs/subdomains.md; docs/subdomains.md here describes them.

// ProfileRecordName is the owner of the URI record that points at a name's
// profile (a signed token file, usually profile.json on a Gaia hub).
// Zone files from the old blockstack-cli used "_https._tcp", which
// ProfileURLs also reads.
const ProfileRecordName = "_http._tcp"

// DefaultTTL is the $TTL Blockstack's tools write.
const DefaultTTL = 3600

// NewProfile returns the zone file Blockstack apps create for a name: the
// name as $ORIGIN, $TTL 3600 and one URI record, _http._tcp with priority
// 10 and weight 1, pointing at profileURL (for a Gaia hub,
// "<read URL prefix><address>/profile.json"). It is what blockstack.js's
// makeProfileZoneFile writes, and profileURL must likewise be an absolute
// http or https URL.
func NewProfile(origin, profileURL string) (*File, error) {
	if err := checkOrigin(origin); err != nil {
		return nil, fmt.Errorf("zonefile: profile zone file origin: %w", err)
	}
	u, err := url.Parse(profileURL)
	if err != nil {
		return nil, fmt.Errorf("zonefile: profile URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("zonefile: profile URL %q is not an absolute http(s) URL", profileURL)
	}
	return &File{
		Origin: origin, TTL: DefaultTTL, HasTTL: true,
		Records: []Record{{Name: ProfileRecordName, Data: URI{Priority: 10, Weight: 1, Target: profileURL}}},
	}, nil
}

// ProfileURLs returns the targets of the profile URI records (named
// _http._tcp or _https._tcp, in any case) in file order: clients try them
// in turn. As blockstack.js does, a target without a scheme gets
// "https://". (blockstack.js reads only the first URI record whatever its
// name; filtering by name keeps a registrar's _resolver URI from being
// taken for a profile.)
func (f *File) ProfileURLs() []string {
	var urls []string
	for _, r := range f.Records {
		u, ok := r.Data.(URI)
		if !ok {
			continue
		}
		if n := strings.ToLower(r.Name); n != "_http._tcp" && n != "_https._tcp" {
			continue
		}
		t := u.Target
		if !strings.HasPrefix(t, "http") {
			t = "https://" + t
		}
		urls = append(urls, t)
	}
	return urls
}

// Reserved subdomain record names: a subdomain may not take them.
const (
	// MissingRecordName is a registrar's TXT record listing the zone file
	// inventory indexes it lacked when it built this zone file (ParseMissing).
	MissingRecordName = "_missing"
	// ResolverRecordName is a registrar's URI record: where to look up
	// subdomains that are not on chain yet (File.ResolverURL).
	ResolverRecordName = "_resolver"
	// RegistrarRecordName is reserved for the registrar itself.
	RegistrarRecordName = "_registrar"
)

func isReservedSubdomain(name string) bool {
	switch strings.ToLower(name) {
	case MissingRecordName, ResolverRecordName, RegistrarRecordName:
		return true
	}
	return false
}

// ResolverURL returns the target of the first URI record named _resolver.
func (f *File) ResolverURL() (string, bool) {
	for _, r := range f.Records {
		if u, ok := r.Data.(URI); ok && r.Name == ResolverRecordName {
			return u.Target, true
		}
	}
	return "", false
}

// ErrNotSubdomain is wrapped by ParseSubdomain's error for a record that is
// not a subdomain record at all (see IsSubdomainRecord), as opposed to a
// malformed one.
var ErrNotSubdomain = errors.New("not a subdomain record")

// Subdomain is one subdomain operation: a TXT record in a name's zone file
// (see docs/subdomains.md). In the text it is
//
//	alice	IN	TXT	"owner=1Abc..." "seqn=0" "parts=1" "zf0=JE9SSUdJTi..." "sig=..."
//
// with the subdomain's own zone file base64-encoded and cut into pieces of
// at most 250 characters (zf0 .. zf<parts-1>), so each string stays within
// the 255-byte DNS limit.
//
// Facts for the subdomain indexer, from blockstack-core v1 subdomains.py
// (decode_zonefile_subdomains, parse_subdomain_record), which this package
// does not apply because they are consensus rules, not syntax:
//   - A TXT record counts as a subdomain record only if it has several
//     strings and among them ones starting with "owner=", "seqn=" and
//     "parts=" (IsSubdomainRecord); records named _missing, _resolver or
//     _registrar are skipped.
//   - Record names are lowercased first. A name with no dots is a label of
//     the zone file's own name; a fully-qualified one ("a.b.id") carried in
//     another name's zone file is an "independent" record.
//   - v1 skipped just the one record for a duplicate key, a parts or seqn
//     that is not an integer, or an invalid name; but a string without '=',
//     a missing zf<i> piece or bad base64 raised a different exception that
//     discarded every subdomain record of that zone file. Python 2's
//     base64 decoder also ignored characters outside the alphabet, and its
//     int() took signs and surrounding blanks, where ParseSubdomain is
//     strict: an indexer that must match v1 byte for byte has to look at
//     the raw TXT strings for those cases.
//   - Of several records for one subdomain in a zone file, the lowest seqn
//     wins (the first on a tie).
type Subdomain struct {
	// Name is the TXT record's name, lowercased: a label ("alice") or, for
	// an independent record, a fully-qualified name ("alice.foo.id").
	Name string
	// Owner is the owner address (base58check, P2PKH or P2SH).
	Owner string
	// Seq is the sequence number: 0 creates, each update adds 1.
	Seq uint64
	// ZoneFile is the subdomain's own zone file, decoded.
	ZoneFile []byte
	// Sig is the base64 scriptSig over SigningText, "" if absent (a
	// creation in the parent's own zone file needs none).
	Sig string
}

// zfPieceLen is the length of each base64 piece: v1 left room for "zf99=".
const zfPieceLen = 250

// IsSubdomainRecord reports whether r is shaped as a subdomain operation:
// a TXT record with several strings including owner=, seqn= and parts=
// (v1's is_subdomain_record).
func IsSubdomainRecord(r Record) bool {
	txt, ok := r.Data.(TXT)
	if !ok || len(txt.Strings) < 2 {
		return false
	}
	var owner, seqn, parts bool
	for _, s := range txt.Strings {
		owner = owner || strings.HasPrefix(s, "owner=")
		seqn = seqn || strings.HasPrefix(s, "seqn=")
		parts = parts || strings.HasPrefix(s, "parts=")
	}
	return owner && seqn && parts
}

// ParseSubdomain reads a subdomain operation from its TXT record. Each
// string is key=value, split at the first '=', with "\=" in a value read as
// '=' (v1's writer escaped '=' that way). Unknown keys are ignored, as v1
// did; zf pieces beyond parts are too. The error wraps ErrNotSubdomain when
// IsSubdomainRecord is false.
func ParseSubdomain(r Record) (Subdomain, error) {
	var s Subdomain
	if !IsSubdomainRecord(r) {
		return s, fmt.Errorf("zonefile: record %q: %w", r.Name, ErrNotSubdomain)
	}
	fail := func(format string, args ...any) (Subdomain, error) {
		return Subdomain{}, fmt.Errorf("zonefile: subdomain record %q: %s", r.Name, fmt.Sprintf(format, args...))
	}
	s.Name = strings.ToLower(r.Name)
	if isReservedSubdomain(s.Name) {
		return fail("the name is reserved")
	}
	fields := map[string]string{}
	for i, str := range r.Data.(TXT).Strings {
		k, v, ok := strings.Cut(str, "=")
		if !ok {
			return fail("string %d (%q) is not key=value", i, str)
		}
		if _, dup := fields[k]; dup {
			return fail("key %q appears twice", k)
		}
		fields[k] = strings.ReplaceAll(v, `\=`, "=")
	}
	// Whether the owner is a valid address is the indexer's question (v1
	// checked it only through the signature).
	s.Owner = fields["owner"]
	var err error
	if s.Seq, err = strconv.ParseUint(fields["seqn"], 10, 64); err != nil {
		return fail("seqn %q is not a non-negative integer", fields["seqn"])
	}
	// Each piece is at least one character, so parts is bounded by the
	// record's own size; the check keeps a huge value from looping.
	parts, err := strconv.ParseUint(fields["parts"], 10, 64)
	if err != nil || parts > uint64(len(fields)) {
		return fail("parts %q is not the number of zf pieces", fields["parts"])
	}
	var b64 strings.Builder
	for i := range parts {
		piece, ok := fields["zf"+strconv.FormatUint(i, 10)]
		if !ok {
			return fail("parts=%d but zf%d is missing", parts, i)
		}
		b64.WriteString(piece)
	}
	if s.ZoneFile, err = base64.StdEncoding.DecodeString(b64.String()); err != nil {
		return fail("zone file pieces are not base64: %v", err)
	}
	s.Sig = fields["sig"]
	return s, nil
}

// Record returns the subdomain's TXT record: owner, seqn, parts, the zf
// pieces, then sig if set, which is the order v1 writes.
func (s Subdomain) Record() (Record, error) {
	if err := checkName(s.Name); err != nil || s.Name == "@" || s.Name == "." {
		return Record{}, fmt.Errorf("zonefile: subdomain name %q is not a label or a fully-qualified name", s.Name)
	}
	if isReservedSubdomain(s.Name) {
		return Record{}, fmt.Errorf("zonefile: subdomain name %q is reserved", s.Name)
	}
	if s.Name != strings.ToLower(s.Name) {
		// v1 lowercases the name before checking the signature over it.
		return Record{}, fmt.Errorf("zonefile: subdomain name %q is not lower case", s.Name)
	}
	if s.Owner == "" {
		return Record{}, fmt.Errorf("zonefile: subdomain %q has no owner", s.Name)
	}
	// An address or a base64 signature never holds a backslash; one here
	// would read back differently, since ParseSubdomain unescapes "\=".
	if strings.Contains(s.Owner+s.Sig, `\`) {
		return Record{}, fmt.Errorf("zonefile: subdomain %q: owner or sig contains a backslash", s.Name)
	}
	strs := s.fields()
	if s.Sig != "" {
		strs = append(strs, "sig="+s.Sig)
	}
	return Record{Name: s.Name, Data: TXT{strs}}, nil
}

// fields are the key=value strings before sig.
func (s Subdomain) fields() []string {
	b64 := base64.StdEncoding.EncodeToString(s.ZoneFile)
	n := (len(b64) + zfPieceLen - 1) / zfPieceLen
	out := []string{"owner=" + s.Owner, "seqn=" + strconv.FormatUint(s.Seq, 10), "parts=" + strconv.Itoa(n)}
	for i := range n {
		out = append(out, "zf"+strconv.Itoa(i)+"="+b64[i*zfPieceLen:min(len(b64), (i+1)*zfPieceLen)])
	}
	return out
}

// SigningText is the text Sig signs (v1's get_plaintext_to_sign): the
// name, then the fields before sig as v1 packs them, joined by ','. v1
// escapes '=' inside each value as "\=" here, so base64 padding appears as
// "\=". The signature itself (over SHA-256 of this text, as a scriptSig
// for the owner address) is checked by the subdomain indexer, not here.
func (s Subdomain) SigningText() string {
	parts := []string{s.Name}
	for _, f := range s.fields() {
		k, v, _ := strings.Cut(f, "=")
		parts = append(parts, k+"="+strings.ReplaceAll(v, "=", `\=`))
	}
	return strings.Join(parts, ",")
}

// ParseMissing reads a _missing record: one TXT string of comma-separated
// zone file inventory indexes ("" for none) that the registrar lacked.
// Like ResolverURL it matches the record name exactly, as v1 did; unlike
// v1's int() it takes no signs or blanks around the numbers.
func ParseMissing(r Record) ([]uint64, error) {
	txt, ok := r.Data.(TXT)
	if !ok || r.Name != MissingRecordName || len(txt.Strings) != 1 {
		return nil, fmt.Errorf("zonefile: record %q is not a %s record (a TXT record with one string)", r.Name, MissingRecordName)
	}
	if txt.Strings[0] == "" {
		return nil, nil
	}
	var out []uint64
	for _, f := range strings.Split(txt.Strings[0], ",") {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("zonefile: %s record: %q is not an index", MissingRecordName, f)
		}
		out = append(out, n)
	}
	return out, nil
}
