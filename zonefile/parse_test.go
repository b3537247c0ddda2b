package zonefile

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func uri(name, target string) Record {
	return Record{Name: name, Data: URI{Priority: 10, Weight: 1, Target: target}}
}

func txt(name string, ss ...string) Record { return Record{Name: name, Data: TXT{ss}} }

func TestParse(t *testing.T) {
	ip := netip.MustParseAddr
	tests := []struct {
		name string
		in   string
		want *File
	}{
		{"empty", "", &File{}},
		{"comments and blank lines only", "; nothing\n\n   ; here\n", &File{}},
		{
			"blockstack.js profile",
			"$ORIGIN alice.id\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://hub.example/1A/profile.json\"\n\n",
			&File{Origin: "alice.id", TTL: 3600, HasTTL: true, Records: []Record{uri("_http._tcp", "https://hub.example/1A/profile.json")}},
		},
		{
			"blockstack-cli: no class, no final newline",
			"$ORIGIN bob.id\n$TTL 3600\npubkey TXT \"pubkey:data:02ab\"\n_https._tcp URI 10 1 \"https://a.example/bob.id\"",
			&File{Origin: "bob.id", TTL: 3600, HasTTL: true, Records: []Record{
				txt("pubkey", "pubkey:data:02ab"), uri("_https._tcp", "https://a.example/bob.id"),
			}},
		},
		{
			"CRLF line ends, lower-case keywords, TTL and class either way",
			"$origin x.id\r\n$ttl 1h\r\na 300 in a 192.0.2.1\r\nb IN 2d A 192.0.2.2\r\n",
			&File{Origin: "x.id", TTL: 3600, HasTTL: true, Records: []Record{
				{Name: "a", TTL: 300, HasTTL: true, Data: A{ip("192.0.2.1")}},
				{Name: "b", TTL: 172800, HasTTL: true, Data: A{ip("192.0.2.2")}},
			}},
		},
		{
			"blank owner takes the previous owner",
			"www A 192.0.2.1\n\t\tAAAA 2001:DB8::1\n",
			&File{Records: []Record{
				{Name: "www", Data: A{ip("192.0.2.1")}},
				{Name: "www", Data: AAAA{ip("2001:db8::1")}},
			}},
		},
		{
			"a line starting with an upper-case type belongs to @ (as v1 read it)",
			"TXT \"hello\"\nURI 10 1 \"https://x.example/p.json\"\n",
			&File{Records: []Record{txt("@", "hello"), uri("@", "https://x.example/p.json")}},
		},
		{
			"every supported type",
			"@ IN SOA ns1.x. host.x. 2017 1h 600 1w 86400\n" +
				"@ NS ns1.x.\n@ MX 10 mail\nmail A 192.0.2.3\nmail AAAA ::1\nftp CNAME www\n1 PTR h.x.\n" +
				"_sip._tcp SRV 1 2 5060 sip.x.\n@ SPF \"v=spf1 -all\"\n@ TXT a b \"c d\"\n_http._tcp URI 1 2 unquoted.example/p\n",
			&File{Records: []Record{
				{Name: "@", Data: SOA{"ns1.x.", "host.x.", 2017, 3600, 600, 604800, 86400}},
				{Name: "@", Data: NS{"ns1.x."}},
				{Name: "@", Data: MX{10, "mail"}},
				{Name: "mail", Data: A{ip("192.0.2.3")}},
				{Name: "mail", Data: AAAA{ip("::1")}},
				{Name: "ftp", Data: CNAME{"www"}},
				{Name: "1", Data: PTR{"h.x."}},
				{Name: "_sip._tcp", Data: SRV{1, 2, 5060, "sip.x."}},
				{Name: "@", Data: SPF{[]string{"v=spf1 -all"}}},
				txt("@", "a", "b", "c d"),
				{Name: "_http._tcp", Data: URI{1, 2, "unquoted.example/p"}},
			}},
		},
		{
			"parentheses, comments inside them, escapes",
			"@ IN SOA ns. host. ( 1 ; serial\n 2 3 ; timers\n 4 5 )\n" +
				`t TXT "a \"q\" \\ \; \059 \255" w\ x` + "\n",
			&File{Records: []Record{
				{Name: "@", Data: SOA{"ns.", "host.", 1, 2, 3, 4, 5}},
				txt("t", "a \"q\" \\ ; ; \xff", "w x"),
			}},
		},
		{
			"subdomain record, the registrar's layout",
			"$ORIGIN reg.id\n$TTL 3600\nbob\tIN\tTXT\t\"owner=1B\" \"seqn=0\" \"parts=1\" \"zf0=YWJj\"\n",
			&File{Origin: "reg.id", TTL: 3600, HasTTL: true, Records: []Record{txt("bob", "owner=1B", "seqn=0", "parts=1", "zf0=YWJj")}},
		},
		{"empty TXT string", `x TXT ""` + "\n", &File{Records: []Record{txt("x", "")}}},
		{"UTF-8 inside quotes", "x TXT \"héllo ✓\"\n", &File{Records: []Record{txt("x", "héllo ✓")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		line, col int
		msg       string
	}{
		{"unknown type", "$ORIGIN a.id\nx IN FOO bar\n", 2, 6, `unknown record type "FOO"`},
		{"unknown class", "x CH A 192.0.2.1\n", 1, 3, "class CH is not supported"},
		{"no type", "x 300 IN\n", 1, 1, `record for "x" has no type`},
		{"second $ORIGIN", "$ORIGIN a.id\n\n$ORIGIN b.id\n", 3, 1, "second $ORIGIN (the first is on line 1"},
		{"second $TTL", "$TTL 1\n$TTL 2\n", 2, 1, "second $TTL (the first is on line 1"},
		{"$INCLUDE", "$INCLUDE other.txt\n", 1, 1, "$INCLUDE is not supported"},
		{"unknown directive", "$FOO 1\n", 1, 1, "unknown directive $FOO"},
		{"$ORIGIN arity", "$ORIGIN\n", 1, 1, "$ORIGIN takes one argument, not 0"},
		{"$TTL not a number", "$TTL soon\n", 1, 6, `$TTL "soon" is not a TTL`},
		{"TTL too large", "x 2147483648 A 192.0.2.1\n", 1, 3, "TTL 2147483648 is more than 2147483647"},
		{"TTL units too large", "$TTL 4000w\n", 1, 6, "TTL 4000w is more than 2147483647 seconds"},
		{"indented directive", "  $TTL 5\n", 1, 3, "$TTL must start at the beginning of the line"},
		{"blank owner first", "  A 192.0.2.1\n", 1, 3, "no previous record"},
		{"unclosed quote", "x TXT \"abc\ny TXT \"d\"\n", 1, 7, "quoted string is not closed on its line"},
		{"text after closing quote", "x TXT \"a\"b\n", 1, 10, `'b' right after a closing quote`},
		{"quote inside word", "x TXT ab\"c\"\n", 1, 9, "quote inside a word"},
		{"unclosed paren", "x TXT ( \"a\"\n\"b\"\n", 1, 7, "'(' is never closed"},
		{"nested paren", "x TXT ( ( a ) )\n", 1, 9, "nested '('"},
		{"stray paren", "x TXT a )\n", 1, 9, "')' without '('"},
		{"short DDD escape", `x TXT "\25"` + "\n", 1, 8, `\DDD escape needs exactly three digits`},
		{"DDD over 255", `x TXT "\256"` + "\n", 1, 8, `\256 is more than 255`},
		{"backslash at end of line", "x TXT a\\\n", 1, 8, "backslash at the end of a line"},
		{"URI arity", "_http._tcp URI 10 \"https://x\"\n", 1, 12, "URI record needs 3 fields (priority weight target), found 2"},
		{"URI priority", "_http._tcp URI 70000 1 \"https://x\"\n", 1, 16, `URI priority "70000" is not a number from 0 to 65535`},
		{"URI empty target", "_http._tcp URI 1 1 \"\"\n", 1, 12, "URI record: empty target"},
		{"quoted number", "_http._tcp URI \"1\" 1 \"https://x\"\n", 1, 16, `URI priority "1" is not a number`},
		{"bad IPv4", "x A 300.1.1.1\n", 1, 5, `A record: "300.1.1.1" is not an IP address`},
		{"IPv6 in A", "x A ::1\n", 1, 3, `A record: "::1" is not an IPv4 address`},
		{"IPv4 in AAAA", "x AAAA 192.0.2.1\n", 1, 3, "is not an IPv6 address"},
		{"IPv6 zone", "x AAAA fe80::1%eth0\n", 1, 3, "is not an IPv6 address without a zone"},
		{"bad owner character", "a,b A 192.0.2.1\n", 1, 1, `character ',' at 1 is not allowed`},
		{"empty label", "a..b A 192.0.2.1\n", 1, 1, "has an empty label"},
		{"long label", strings.Repeat("a", 64) + " A 192.0.2.1\n", 1, 1, "label longer than 63"},
		{"quoted owner", "\"x\" A 192.0.2.1\n", 1, 1, "must be written without quotes or escapes"},
		{"escaped name", "x CNAME a\\.b\n", 1, 9, "CNAME target \"a.b\" must be written without quotes or escapes"},
		{"origin @", "$ORIGIN @\n", 1, 9, `"@" cannot be the origin`},
		{"TXT without strings", "x TXT\n", 1, 3, "TXT record: no character-strings"},
		{"SOA timer", "@ SOA a. b. 1 2 3 4 soon\n", 1, 21, `SOA minimum "soon" is not a number of seconds`},
		{"MX exchange", "@ MX 1 \"m\"\n", 1, 8, "MX exchange \"m\" must be written without quotes"},
		{
			"npm default template without an SOA",
			"$ORIGIN a.id\n$TTL 3600\n\n; SOA Record\n{name} {ttl}    IN  SOA {mname}{rname}(\n{serial} ;serial\n)\n", 5, 1,
			"unfilled npm zone-file template placeholder",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error %v, want a *SyntaxError", err)
			}
			if se.Line != tt.line || se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got line %d col %d %q, want line %d col %d containing %q", se.Line, se.Col, se.Msg, tt.line, tt.col, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "zonefile: line ") {
				t.Errorf("error %q lacks the package and line prefix", err)
			}
		})
	}
}

func TestParseSizeLimit(t *testing.T) {
	fill := func(n int) []byte {
		b := []byte(strings.Repeat(";", n-1) + "\n")
		return b
	}
	if _, err := Parse(fill(MaxSize)); err != nil {
		t.Errorf("%d bytes: %v", MaxSize, err)
	}
	_, err := Parse(fill(MaxSize + 1))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("%d bytes: error %v, want ErrTooLarge", MaxSize+1, err)
	}
}
