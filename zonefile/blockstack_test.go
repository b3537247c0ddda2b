package zonefile

import (
	"encoding/base64"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func mustParseFile(t *testing.T, path string) *File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

func TestNewProfile(t *testing.T) {
	const url = "https://gaia.blockstack.org/hub/1HmPgR3qgaAe9k6ZjyvU3Vgp5DSRDQ6eQx/profile.json"
	f, err := NewProfile("alice.id", url)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Format()
	if err != nil {
		t.Fatal(err)
	}
	want := "$ORIGIN alice.id\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"" + url + "\"\n"
	if string(got) != want {
		t.Errorf("NewProfile formats as\n%q\nwant\n%q", got, want)
	}
	// blockstack.js writes the same bytes plus a trailing blank line.
	npm, err := os.ReadFile("testdata/npm/fixtures/profile.v1.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(got)+"\n" != string(npm) {
		t.Errorf("NewProfile differs from blockstack.js's makeProfileZoneFile beyond its final blank line:\n%q\n%q", got, npm)
	}
	if urls := f.ProfileURLs(); !reflect.DeepEqual(urls, []string{url}) {
		t.Errorf("ProfileURLs = %q", urls)
	}

	for _, bad := range []struct{ origin, url, msg string }{
		{"alice.id", "gaia.example/profile.json", "not an absolute http(s) URL"},
		{"alice.id", "ftp://gaia.example/profile.json", "not an absolute http(s) URL"},
		{"alice.id", "https:///profile.json", "not an absolute http(s) URL"},
		{"alice.id", "https://a b/%zz", "profile URL"},
		{"", url, "origin: empty name"},
		{"@", url, "cannot be the origin"},
	} {
		if _, err := NewProfile(bad.origin, bad.url); err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("NewProfile(%q, %q) error %v, want %q", bad.origin, bad.url, err, bad.msg)
		}
	}
}

func TestProfileURLs(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"testdata/legacy/cli-no-class.txt", []string{"https://blockstack.s3.amazonaws.com/carol.id", "https://www.example.edu/~carol/profile.json"}},
		{"testdata/legacy/crlf-comments.txt", []string{"https://hub.example.org/1Dave/profile.json", "https://mirror.example.org/1Dave/profile.json"}},
		{"testdata/legacy/subdomains-v1.txt", nil}, // only a _resolver URI
		{"testdata/npm/fixtures/registrar.v2.txt", []string{"https://gaia.blockstack.org/hub/1CjnHwmDsXxdSu9BUpMP6U5x2iPRHzXDzT/profile.json"}},
	}
	for _, tt := range tests {
		if got := mustParseFile(t, tt.file).ProfileURLs(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ProfileURLs = %q, want %q", tt.file, got, tt.want)
		}
	}
	f := &File{Records: []Record{
		{Name: "_HTTP._TCP", Data: URI{10, 1, "hub.example/p.json"}}, // no scheme: https, as blockstack.js
		{Name: "_http._tcp", Data: TXT{[]string{"not a URI"}}},
		{Name: "_file", Data: URI{10, 1, "file:///tmp/p.json"}},
		{Name: "_https._tcp", Data: URI{10, 1, "http://plain.example/p.json"}},
	}}
	want := []string{"https://hub.example/p.json", "http://plain.example/p.json"}
	if got := f.ProfileURLs(); !reflect.DeepEqual(got, want) {
		t.Errorf("ProfileURLs = %q, want %q", got, want)
	}
}

func TestRegistrarRecords(t *testing.T) {
	f := mustParseFile(t, "testdata/legacy/subdomains-v1.txt")
	if u, ok := f.ResolverURL(); !ok || u != "https://resolver.example.org" {
		t.Errorf("ResolverURL = %q, %v", u, ok)
	}
	if _, ok := (&File{}).ResolverURL(); ok {
		t.Error("ResolverURL found one in an empty file")
	}
	missing, err := ParseMissing(f.Records[1])
	if err != nil || !reflect.DeepEqual(missing, []uint64{3, 17, 42}) {
		t.Errorf("ParseMissing = %v, %v", missing, err)
	}

	var subs []Subdomain
	for _, r := range f.Records {
		if IsSubdomainRecord(r) {
			s, err := ParseSubdomain(r)
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, s)
		}
	}
	if len(subs) != 3 {
		t.Fatalf("found %d subdomain records, want 3", len(subs))
	}
	frank := subs[1]
	wantZF := "$ORIGIN frank.reg.id\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example.org/frank.reg.id/profile.json\"\n"
	if frank.Name != "frank" || frank.Owner != "1FrankAddressXXXXXXXXXXXXXXXXXXXXX" || frank.Seq != 1 ||
		string(frank.ZoneFile) != wantZF || frank.Sig != "SGVsbG8gc2lnbmF0dXJl" {
		t.Errorf("frank = %+v", frank)
	}
	// The signed text is v1's: name first, '=' in values escaped.
	b64 := base64.StdEncoding.EncodeToString([]byte(wantZF))
	wantText := "frank,owner=1FrankAddressXXXXXXXXXXXXXXXXXXXXX,seqn=1,parts=1,zf0=" + strings.ReplaceAll(b64, "=", `\=`)
	if got := frank.SigningText(); got != wantText {
		t.Errorf("SigningText =\n%s\nwant\n%s", got, wantText)
	}
	if subs[2].Name != "gina.other.id" || subs[0].Sig != "" {
		t.Errorf("independent record or unsigned creation misread: %+v %+v", subs[2], subs[0])
	}

	// The registrar fixture from the npm package: three zf pieces.
	reg := mustParseFile(t, "testdata/npm/fixtures/registrar.v1.txt")
	carol, err := ParseSubdomain(reg.Records[1])
	if err != nil {
		t.Fatal(err)
	}
	zf, err := Parse(carol.ZoneFile)
	if err != nil {
		t.Fatal(err)
	}
	if carol.Seq != 3 || zf.Origin != "carol.registrar.id" || len(zf.ProfileURLs()) != 1 {
		t.Errorf("carol = %+v, zone file %+v", carol, zf)
	}
}

func TestSubdomainRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, 186, 187, 188, 600, 4000} {
		s := Subdomain{Name: "alice", Owner: "1AliceXXXXXXXXXXXXXXXXXXXXXXXXXXXX", Seq: 7, ZoneFile: []byte(strings.Repeat("z", size)), Sig: "c2ln"}
		r, err := s.Record()
		if err != nil {
			t.Fatal(err)
		}
		strs := r.Data.(TXT).Strings
		b64 := base64.StdEncoding.EncodeToString(s.ZoneFile)
		parts := (len(b64) + 249) / 250
		if len(strs) != 3+parts+1 || strs[2] != "parts="+strconv.Itoa(parts) || strs[len(strs)-1] != "sig=c2ln" {
			t.Errorf("size %d: strings %q", size, strs)
		}
		for _, str := range strs {
			if len(str) > 255 {
				t.Errorf("size %d: string of %d bytes exceeds the DNS limit", size, len(str))
			}
		}
		text, err := (&File{Origin: "reg.id", Records: []Record{r}}).Format()
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseSubdomain(f.Records[0])
		if err != nil {
			t.Fatal(err)
		}
		if size == 0 {
			s.ZoneFile = []byte{} // decoding "" gives an empty, non-nil slice
		}
		if !reflect.DeepEqual(back, s) {
			t.Errorf("size %d: round trip gave %+v", size, back)
		}
	}
}

func TestSubdomainRecordErrors(t *testing.T) {
	for _, tt := range []struct {
		s   Subdomain
		msg string
	}{
		{Subdomain{Name: "_resolver", Owner: "1A"}, "is reserved"},
		{Subdomain{Name: "_Missing", Owner: "1A"}, "is reserved"},
		{Subdomain{Name: "@", Owner: "1A"}, "is not a label"},
		{Subdomain{Name: "a b", Owner: "1A"}, "is not a label"},
		{Subdomain{Name: "alice"}, "has no owner"},
		{Subdomain{Name: "Alice", Owner: "1A"}, "is not lower case"},
		{Subdomain{Name: "alice", Owner: `1A\`}, "contains a backslash"},
		{Subdomain{Name: "alice", Owner: "1A", Sig: `c2ln\=`}, "contains a backslash"},
	} {
		if _, err := tt.s.Record(); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Record(%+v) error %v, want %q", tt.s, err, tt.msg)
		}
	}
}

func TestParseSubdomain(t *testing.T) {
	sub := func(name string, ss ...string) Record { return txt(name, ss...) }
	ok := []string{"owner=1A", "seqn=0", "parts=1", "zf0=YWJj"}
	with := func(extra ...string) []string { return append(append([]string{}, ok...), extra...) }
	tests := []struct {
		name    string
		r       Record
		isSub   bool
		want    Subdomain
		msg     string
		notASub bool
	}{
		{name: "plain", r: sub("Bob", ok...), isSub: true, want: Subdomain{Name: "bob", Owner: "1A", ZoneFile: []byte("abc")}},
		{name: "unknown keys and extra pieces ignored", r: sub("bob", with("zf1=ZZZZ", "foo=bar")...), isSub: true,
			want: Subdomain{Name: "bob", Owner: "1A", ZoneFile: []byte("abc")}},
		{name: "escaped =", r: sub("bob", "owner=1A", "seqn=2", "parts=1", `zf0=YQ\=\=`, `sig=c2ln\=`), isSub: true,
			want: Subdomain{Name: "bob", Owner: "1A", Seq: 2, ZoneFile: []byte("a"), Sig: "c2ln="}},
		{name: "not TXT", r: uri("bob", "https://x"), notASub: true},
		{name: "one string", r: sub("bob", "owner=1A seqn=0 parts=0"), notASub: true},
		{name: "no parts", r: sub("bob", "owner=1A", "seqn=0"), notASub: true},
		{name: "reserved", r: sub("_registrar", ok...), isSub: true, msg: "the name is reserved"},
		{name: "no =", r: sub("bob", with("junk")...), isSub: true, msg: `string 4 ("junk") is not key=value`},
		{name: "duplicate key", r: sub("bob", with("seqn=1")...), isSub: true, msg: `key "seqn" appears twice`},
		{name: "negative seqn", r: sub("bob", "owner=1A", "seqn=-1", "parts=0"), isSub: true, msg: `seqn "-1"`},
		{name: "parts not a number", r: sub("bob", "owner=1A", "seqn=0", "parts=x"), isSub: true, msg: `parts "x"`},
		{name: "huge parts", r: sub("bob", "owner=1A", "seqn=0", "parts=99999999999"), isSub: true, msg: `parts "99999999999"`},
		{name: "missing piece", r: sub("bob", "owner=1A", "seqn=0", "parts=2", "zf0=YWJj"), isSub: true, msg: "parts=2 but zf1 is missing"},
		{name: "bad base64", r: sub("bob", "owner=1A", "seqn=0", "parts=1", "zf0=YW!j"), isSub: true, msg: "not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsSubdomainRecord(tt.r); got != tt.isSub {
				t.Errorf("IsSubdomainRecord = %v", got)
			}
			s, err := ParseSubdomain(tt.r)
			switch {
			case tt.notASub:
				if !errors.Is(err, ErrNotSubdomain) {
					t.Errorf("error %v, want ErrNotSubdomain", err)
				}
			case tt.msg != "":
				if err == nil || !strings.Contains(err.Error(), tt.msg) || errors.Is(err, ErrNotSubdomain) {
					t.Errorf("error %v, want one containing %q", err, tt.msg)
				}
			case err != nil:
				t.Error(err)
			case !reflect.DeepEqual(s, tt.want):
				t.Errorf("got %+v, want %+v", s, tt.want)
			}
		})
	}
}

func TestParseMissing(t *testing.T) {
	tests := []struct {
		r    Record
		want []uint64
		msg  string
	}{
		{txt("_missing", ""), nil, ""},
		{txt("_missing", "5"), []uint64{5}, ""},
		{txt("_missing", "1,x"), nil, `"x" is not an index`},
		{txt("_missing", "1, 2"), nil, `" 2" is not an index`},
		{txt("_missing", "1", "2"), nil, "is not a _missing record"},
		{txt("_Missing", "1"), nil, "is not a _missing record"},
		{uri("_missing", "x"), nil, "is not a _missing record"},
	}
	for _, tt := range tests {
		got, err := ParseMissing(tt.r)
		if tt.msg != "" {
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseMissing(%+v) error %v, want %q", tt.r, err, tt.msg)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMissing(%+v) = %v, %v; want %v", tt.r, got, err, tt.want)
		}
	}
}
