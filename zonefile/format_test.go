package zonefile

import (
	"errors"
	"math/rand"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// allTypes has one record of every type, TTLs, and strings that need
// escapes.
var allTypes = &File{
	Origin: "example.com.", TTL: 86400, HasTTL: true,
	Records: []Record{
		{Name: "@", Data: SOA{"ns1.example.com.", "hostmaster.example.com.", 2017010101, 3600, 600, 604800, 86400}},
		{Name: "@", Data: NS{"ns1.example.com."}},
		{Name: "@", TTL: 300, HasTTL: true, Data: MX{10, "mail"}},
		{Name: "www", Data: A{netip.MustParseAddr("192.0.2.1")}},
		{Name: "www", Data: AAAA{netip.MustParseAddr("2001:db8::1")}},
		{Name: "ftp", Data: CNAME{"www"}},
		{Name: "1", Data: PTR{"host1.example.com."}},
		{Name: "_sip._tcp", Data: SRV{10, 5, 5060, "sip.example.com."}},
		{Name: "@", Data: SPF{[]string{"v=spf1 -all"}}},
		{Name: "esc", TTL: 0, HasTTL: true, Data: TXT{[]string{`q"b\s;`, "tab\tnl\n", "\x00\x7f\xff", "ünï ✓", ""}}},
		{Name: "_http._tcp", Data: URI{10, 1, "https://example.com/a;b/profile.json"}},
	},
}

const allTypesText = "$ORIGIN example.com.\n" +
	"$TTL 86400\n" +
	"@\tIN\tSOA\tns1.example.com.\thostmaster.example.com.\t2017010101\t3600\t600\t604800\t86400\n" +
	"@\tIN\tNS\tns1.example.com.\n" +
	"@\t300\tIN\tMX\t10\tmail\n" +
	"www\tIN\tA\t192.0.2.1\n" +
	"www\tIN\tAAAA\t2001:db8::1\n" +
	"ftp\tIN\tCNAME\twww\n" +
	"1\tIN\tPTR\thost1.example.com.\n" +
	"_sip._tcp\tIN\tSRV\t10\t5\t5060\tsip.example.com.\n" +
	"@\tIN\tSPF\t\"v=spf1 -all\"\n" +
	"esc\t0\tIN\tTXT\t\"q\\\"b\\\\s\\;\" \"tab\\009nl\\010\" \"\\000\\127\\255\" \"ünï ✓\" \"\"\n" +
	"_http._tcp\tIN\tURI\t10\t1\t\"https://example.com/a\\;b/profile.json\"\n"

func TestFormat(t *testing.T) {
	got, err := allTypes.Format()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != allTypesText {
		t.Errorf("Format:\n%s\nwant:\n%s", got, allTypesText)
	}
	back, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, allTypes) {
		t.Errorf("Parse(Format(f)) = %#v, want %#v", back, allTypes)
	}
}

// TestFormatData: each record's data is what Format prints after its
// type on the record's line.
func TestFormatData(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(allTypesText, "\n"), "\n")[2:] // after $ORIGIN and $TTL
	for i, r := range allTypes.Records {
		_, want, _ := strings.Cut(lines[i], "\tIN\t"+r.Data.Type()+"\t")
		if got := FormatData(r.Data); got != want {
			t.Errorf("record %d: FormatData = %q, want %q", i, got, want)
		}
	}
}

func TestFormatErrors(t *testing.T) {
	one := func(r Record) *File { return &File{Records: []Record{r}} }
	tests := []struct {
		name string
		f    *File
		msg  string
	}{
		{"origin @", &File{Origin: "@"}, `$ORIGIN: "@" cannot be the origin`},
		{"origin with a space", &File{Origin: "a b"}, `$ORIGIN: name "a b": character ' '`},
		{"$TTL too large", &File{TTL: MaxTTL + 1, HasTTL: true}, "$TTL 2147483648 is more than"},
		{"no owner", one(Record{Data: TXT{[]string{"x"}}}), `record 0 (""): owner: empty name`},
		{"owner starting with $", one(Record{Name: "$x", Data: TXT{[]string{"x"}}}), "character '$'"},
		{"no data", one(Record{Name: "x"}), "no record data"},
		{"owner that reads as a type", one(Record{Name: "TXT", Data: TXT{[]string{"x"}}}), `owner "TXT" reads as a record type`},
		{"record TTL", one(Record{Name: "x", TTL: MaxTTL + 1, HasTTL: true, Data: TXT{[]string{"x"}}}), "TTL 2147483648"},
		{"empty URI target", one(Record{Name: "x", Data: URI{}}), "URI: empty target"},
		{"v6 in A", one(Record{Name: "x", Data: A{netip.MustParseAddr("::1")}}), "A: \"::1\" is not an IPv4 address"},
		{"zero A", one(Record{Name: "x", Data: A{}}), "is not an IPv4 address"},
		{"4in6 AAAA ok but zone not", one(Record{Name: "x", Data: AAAA{netip.MustParseAddr("fe80::1%lo")}}), "without a zone"},
		{"no strings", one(Record{Name: "x", Data: TXT{}}), "TXT: no character-strings"},
		{"SPF no strings", one(Record{Name: "x", Data: SPF{}}), "SPF: no character-strings"},
		{"bad CNAME", one(Record{Name: "x", Data: CNAME{"a b"}}), "CNAME: target: name"},
		{"bad NS", one(Record{Name: "x", Data: NS{""}}), "NS: host: empty name"},
		{"bad PTR", one(Record{Name: "x", Data: PTR{".."}}), "PTR: target"},
		{"bad MX", one(Record{Name: "x", Data: MX{1, "\"m\""}}), "MX: exchange"},
		{"bad SRV", one(Record{Name: "x", Data: SRV{Target: ""}}), "SRV: target: empty name"},
		{"bad SOA mname", one(Record{Name: "x", Data: SOA{MName: "", RName: "r."}}), "SOA: mname"},
		{"bad SOA rname", one(Record{Name: "x", Data: SOA{MName: "m.", RName: ""}}), "SOA: rname"},
		{"long name", one(Record{Name: strings.Repeat("a.", 127), Data: TXT{[]string{""}}}), "more than 253"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f.Format()
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Format error %v, want one containing %q", err, tt.msg)
			}
		})
	}
}

func TestFormatSizeLimit(t *testing.T) {
	// Each ';' doubles when escaped, so a file that parses within the limit
	// can format past it.
	f := &File{Records: []Record{{Name: "x", Data: TXT{[]string{strings.Repeat(";", MaxSize/2)}}}}}
	if _, err := f.Format(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Format error %v, want ErrTooLarge", err)
	}
}

// TestRoundTripRandom formats random valid files and parses them back.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := range 2000 {
		f := randFile(r)
		text, err := f.Format()
		if err != nil {
			t.Fatalf("case %d: Format: %v", i, err)
		}
		back, err := Parse(text)
		if err != nil {
			t.Fatalf("case %d: Parse(Format(f)): %v\n%s", i, err, text)
		}
		if !reflect.DeepEqual(back, f) {
			t.Fatalf("case %d: round trip changed the file:\n got %#v\nwant %#v\n%s", i, back, f, text)
		}
	}
}

const nameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*+/"

func randName(r *rand.Rand) string {
	switch r.Intn(8) {
	case 0:
		return "@"
	case 1:
		return "_http._tcp"
	}
	var labels []string
	for range 1 + r.Intn(3) {
		b := make([]byte, 1+r.Intn(12))
		for i := range b {
			b[i] = nameChars[r.Intn(len(nameChars))]
		}
		labels = append(labels, string(b))
	}
	s := strings.Join(labels, ".")
	if r.Intn(4) == 0 {
		s += "."
	}
	if _, isType := rdataParsers[s]; isType {
		return strings.ToLower(s)
	}
	return s
}

func randString(r *rand.Rand) string {
	b := make([]byte, r.Intn(40))
	for i := range b {
		switch r.Intn(4) {
		case 0:
			b[i] = byte(r.Intn(256))
		default:
			b[i] = byte(0x20 + r.Intn(0x5f))
		}
	}
	if r.Intn(5) == 0 {
		return string(b) + "ü✓"
	}
	return string(b)
}

func randStrings(r *rand.Rand) []string {
	ss := make([]string, 1+r.Intn(4))
	for i := range ss {
		ss[i] = randString(r)
	}
	return ss
}

func randData(r *rand.Rand) RData {
	u16 := func() uint16 { return uint16(r.Intn(1 << 16)) }
	u32 := func() uint32 { return r.Uint32() }
	switch r.Intn(11) {
	case 0:
		var a [4]byte
		r.Read(a[:])
		return A{netip.AddrFrom4(a)}
	case 1:
		var a [16]byte
		r.Read(a[:])
		return AAAA{netip.AddrFrom16(a)}
	case 2:
		return CNAME{randName(r)}
	case 3:
		return NS{randName(r)}
	case 4:
		return PTR{randName(r)}
	case 5:
		return MX{u16(), randName(r)}
	case 6:
		return SRV{u16(), u16(), u16(), randName(r)}
	case 7:
		return URI{u16(), u16(), "x" + randString(r)}
	case 8:
		return SPF{randStrings(r)}
	case 9:
		return SOA{randName(r), randName(r), u32(), u32() & MaxTTL, u32() & MaxTTL, u32() & MaxTTL, u32() & MaxTTL}
	default:
		return TXT{randStrings(r)}
	}
}

func randFile(r *rand.Rand) *File {
	f := &File{}
	if r.Intn(4) != 0 {
		f.Origin = randName(r)
		if f.Origin == "@" {
			f.Origin = "alice.id"
		}
	}
	if r.Intn(3) != 0 {
		f.TTL, f.HasTTL = r.Uint32()&MaxTTL, true
	}
	for range r.Intn(10) {
		rec := Record{Name: randName(r), Data: randData(r)}
		if r.Intn(3) == 0 {
			rec.TTL, rec.HasTTL = r.Uint32()&MaxTTL, true
		}
		f.Records = append(f.Records, rec)
	}
	return f
}

// TestFormatStable checks print → parse → print on every zone file in
// testdata: the canonical form is a fixed point.
func TestFormatStable(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata zone files (%v)", err)
	}
	files2, _ := filepath.Glob("testdata/npm/fixtures/*.txt")
	for _, name := range append(files, files2...) {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			once, err := f.Format()
			if err != nil {
				t.Fatal(err)
			}
			g, err := Parse(once)
			if err != nil {
				t.Fatalf("Parse(Format): %v\n%s", err, once)
			}
			twice, err := g.Format()
			if err != nil {
				t.Fatal(err)
			}
			if string(once) != string(twice) {
				t.Errorf("not stable:\n%s\nthen\n%s", once, twice)
			}
		})
	}
}
