package zonefile

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// MaxSize is the largest zone file a node accepts, in bytes (v1's
// RPC_MAX_ZONEFILE_LEN). Parse refuses longer input and Format refuses to
// produce it, since no node would store or serve it.
const MaxSize = 40960

// MaxTTL is the largest TTL, in seconds (RFC 2181 §8: 2^31 - 1).
const MaxTTL = 1<<31 - 1

// ErrTooLarge is wrapped by the errors for input or output over MaxSize.
var ErrTooLarge = errors.New("zone file too large")

// File is a parsed zone file. Its records keep their order in the text,
// which Blockstack gives meaning to: the first profile URI wins, and
// subdomain operations apply in zone file order.
type File struct {
	// Origin is the $ORIGIN name ("" if there is none). Blockstack writes the
	// owning name without a trailing dot, e.g. "alice.id".
	Origin string
	// TTL is the $TTL default in seconds, when HasTTL.
	TTL    uint32
	HasTTL bool
	// Records are the resource records in file order.
	Records []Record
}

// Record is one resource record of class IN.
type Record struct {
	// Name is the owner as written: "@", a name relative to the origin
	// ("_http._tcp", "alice") or an absolute one ("www.example.com."). A
	// record whose line left the owner blank gets the previous record's.
	Name string
	// TTL is the record's own TTL in seconds, when HasTTL.
	TTL    uint32
	HasTTL bool
	// Data is the record data, one of A, AAAA, CNAME, MX, NS, PTR, SOA, SPF,
	// SRV, TXT or URI.
	Data RData
}

// RData is the data of one record type. Only this package's types
// implement it, since only they can be printed and parsed back.
type RData interface {
	// Type is the record type's mnemonic, e.g. "URI".
	Type() string
	check() error
	appendText(b []byte) []byte
}

// A is an IPv4 address record.
type A struct{ Addr netip.Addr }

// AAAA is an IPv6 address record.
type AAAA struct{ Addr netip.Addr }

// CNAME makes the owner an alias of Target.
type CNAME struct{ Target string }

// NS names an authoritative name server.
type NS struct{ Host string }

// PTR points at a name (reverse zones).
type PTR struct{ Target string }

// MX names a mail exchanger.
type MX struct {
	Preference uint16
	Exchange   string
}

// SRV locates a service (RFC 2782).
type SRV struct {
	Priority, Weight, Port uint16
	Target                 string
}

// URI maps the owner to a URI (RFC 7553). Blockstack's profile pointer is a
// URI record named "_http._tcp".
type URI struct {
	Priority, Weight uint16
	Target           string
}

// TXT holds one or more character-strings. Subdomain operations are TXT
// records with several "key=value" strings.
type TXT struct{ Strings []string }

// SPF holds character-strings as TXT does (RFC 4408, since retired; v1's
// parsers still read it).
type SPF struct{ Strings []string }

// SOA is a zone's start of authority.
type SOA struct {
	MName, RName                            string
	Serial, Refresh, Retry, Expire, Minimum uint32
}

func (A) Type() string     { return "A" }
func (AAAA) Type() string  { return "AAAA" }
func (CNAME) Type() string { return "CNAME" }
func (NS) Type() string    { return "NS" }
func (PTR) Type() string   { return "PTR" }
func (MX) Type() string    { return "MX" }
func (SRV) Type() string   { return "SRV" }
func (URI) Type() string   { return "URI" }
func (TXT) Type() string   { return "TXT" }
func (SPF) Type() string   { return "SPF" }
func (SOA) Type() string   { return "SOA" }

func (r A) check() error {
	if !r.Addr.Is4() {
		return fmt.Errorf("%q is not an IPv4 address", r.Addr)
	}
	return nil
}

func (r AAAA) check() error {
	// A zone ("%eth0") means nothing outside one host, and 4-in-6 is how a
	// v4 address would sneak into an AAAA record.
	if !r.Addr.Is6() || r.Addr.Zone() != "" {
		return fmt.Errorf("%q is not an IPv6 address without a zone", r.Addr)
	}
	return nil
}

func (r CNAME) check() error { return checkDataName("target", r.Target) }
func (r NS) check() error    { return checkDataName("host", r.Host) }
func (r PTR) check() error   { return checkDataName("target", r.Target) }
func (r MX) check() error    { return checkDataName("exchange", r.Exchange) }
func (r SRV) check() error   { return checkDataName("target", r.Target) }

func (r URI) check() error {
	if r.Target == "" {
		return errors.New("empty target (RFC 7553 requires one)")
	}
	return nil
}

func (r TXT) check() error { return checkStrings(r.Strings) }
func (r SPF) check() error { return checkStrings(r.Strings) }

func (r SOA) check() error {
	if err := checkDataName("mname", r.MName); err != nil {
		return err
	}
	return checkDataName("rname", r.RName)
}

func checkDataName(field, name string) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

func checkStrings(ss []string) error {
	if len(ss) == 0 {
		return errors.New("no character-strings")
	}
	return nil
}

func (r A) appendText(b []byte) []byte     { return r.Addr.AppendTo(b) }
func (r AAAA) appendText(b []byte) []byte  { return r.Addr.AppendTo(b) }
func (r CNAME) appendText(b []byte) []byte { return append(b, r.Target...) }
func (r NS) appendText(b []byte) []byte    { return append(b, r.Host...) }
func (r PTR) appendText(b []byte) []byte   { return append(b, r.Target...) }

func (r MX) appendText(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(r.Preference), 10)
	return append(append(b, '\t'), r.Exchange...)
}

func (r SRV) appendText(b []byte) []byte {
	b = appendUints(b, uint64(r.Priority), uint64(r.Weight), uint64(r.Port))
	return append(append(b, '\t'), r.Target...)
}

func (r URI) appendText(b []byte) []byte {
	b = appendUints(b, uint64(r.Priority), uint64(r.Weight))
	return appendQuoted(append(b, '\t'), r.Target)
}

func (r TXT) appendText(b []byte) []byte { return appendStrings(b, r.Strings) }
func (r SPF) appendText(b []byte) []byte { return appendStrings(b, r.Strings) }

func (r SOA) appendText(b []byte) []byte {
	b = append(append(append(b, r.MName...), '\t'), r.RName...)
	b = append(b, '\t')
	return appendUints(b, uint64(r.Serial), uint64(r.Refresh), uint64(r.Retry), uint64(r.Expire), uint64(r.Minimum))
}

// appendUints writes tab-separated decimals.
func appendUints(b []byte, vs ...uint64) []byte {
	for i, v := range vs {
		if i > 0 {
			b = append(b, '\t')
		}
		b = strconv.AppendUint(b, v, 10)
	}
	return b
}

// appendStrings writes character-strings quoted and space-separated, as
// the npm package joins them.
func appendStrings(b []byte, ss []string) []byte {
	for i, s := range ss {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendQuoted(b, s)
	}
	return b
}

// appendQuoted writes s as a quoted string that Parse reads back as s: '"'
// and '\' are escaped as RFC 1035 requires, ';' too (see the package doc),
// printable UTF-8 stays as it is, and every other byte is \DDD.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == ';':
			b = append(b, '\\', c)
			i++
		case c >= 0x20 && c < 0x7f:
			b = append(b, c)
			i++
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || n > 1) && unicode.IsPrint(r) {
				b = append(b, s[i:i+n]...)
				i += n
				continue
			}
			fallthrough
		default:
			b = append(b, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
			i++
		}
	}
	return append(b, '"')
}

// FormatData is a record's data as Format prints it, e.g. `10	1
// "https://gaia.example/hub/1Abc/profile.json"` for a URI record.
func FormatData(d RData) string { return string(d.appendText(nil)) }

// Format prints f in the canonical form: $ORIGIN, then $TTL, then one line
// per record in order, fields separated by tabs:
//
//	$ORIGIN alice.id
//	$TTL 3600
//	_http._tcp	IN	URI	10	1	"https://gaia.example/hub/1Abc/profile.json"
//
// The same File always prints the same bytes, and Parse reads them back
// to an equal File, so a zone file built in code has a reproducible hash.
// It is the layout blockstack.js writes (owner, class IN, type, data) minus
// its blank lines and comments. Every record is checked first; an invalid
// one is an error naming it, and so is output over MaxSize.
func (f *File) Format() ([]byte, error) {
	var b []byte
	if f.Origin != "" {
		if err := checkOrigin(f.Origin); err != nil {
			return nil, fmt.Errorf("zonefile: $ORIGIN: %w", err)
		}
		b = append(append(append(b, "$ORIGIN "...), f.Origin...), '\n')
	}
	if f.HasTTL {
		if f.TTL > MaxTTL {
			return nil, fmt.Errorf("zonefile: $TTL %d is more than %d", f.TTL, MaxTTL)
		}
		b = strconv.AppendUint(append(b, "$TTL "...), uint64(f.TTL), 10)
		b = append(b, '\n')
	}
	for i, r := range f.Records {
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("zonefile: record %d (%q): %w", i, r.Name, err)
		}
		b = append(b, r.Name...)
		if r.HasTTL {
			b = strconv.AppendUint(append(b, '\t'), uint64(r.TTL), 10)
		}
		b = append(append(append(b, "\tIN\t"...), r.Data.Type()...), '\t')
		b = append(r.Data.appendText(b), '\n')
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("zonefile: formatted zone file is %d bytes: %w (limit %d)", len(b), ErrTooLarge, MaxSize)
	}
	return b, nil
}

func (r Record) check() error {
	if err := checkName(r.Name); err != nil {
		return fmt.Errorf("owner: %w", err)
	}
	if _, isType := rdataParsers[r.Name]; isType {
		// Parse, like v1, reads such a line as a record of "@".
		return fmt.Errorf("owner %q reads as a record type (write it in lower case)", r.Name)
	}
	if r.HasTTL && r.TTL > MaxTTL {
		return fmt.Errorf("TTL %d is more than %d", r.TTL, MaxTTL)
	}
	if r.Data == nil {
		return errors.New("no record data")
	}
	if err := r.Data.check(); err != nil {
		return fmt.Errorf("%s: %w", r.Data.Type(), err)
	}
	return nil
}

// maxNameLen bounds a name's presentation form (RFC 1035 allows 255 octets
// on the wire, which is 253 characters written out).
const maxNameLen = 253

// checkName accepts "@" (the origin), "." (the root) and dot-separated
// labels of 1 to 63 characters from letters, digits and "-_*+/", optionally
// ending in a dot (absolute). That covers every name Blockstack writes
// (names, subdomain labels, "_http._tcp", "_resolver") and ordinary DNS
// (wildcards, RFC 2317 "0/26"), while keeping names free of characters that
// would need escapes, so that they print back exactly as they were read.
func checkName(s string) error {
	switch {
	case s == "":
		return errors.New("empty name")
	case s == "@" || s == ".":
		return nil
	case len(s) > maxNameLen:
		return fmt.Errorf("name is %d characters, more than %d", len(s), maxNameLen)
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return fmt.Errorf("name %q has an empty label", s)
			}
			label = 0
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '*' || c == '+' || c == '/':
			if label++; label > 63 {
				return fmt.Errorf("name %q has a label longer than 63 characters", s)
			}
		default:
			return fmt.Errorf("name %q: character %q at %d is not allowed (letters, digits, -_*+/ and dots)", s, c, i)
		}
	}
	return nil
}

// checkOrigin is checkName without "@", which means the origin itself.
func checkOrigin(s string) error {
	if s == "@" {
		return errors.New(`"@" cannot be the origin`)
	}
	return checkName(s)
}
