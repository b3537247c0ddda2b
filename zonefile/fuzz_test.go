package zonefile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics on any input and that whatever
// it accepts prints canonically: Format succeeds (unless escaping pushed it
// past MaxSize), the output parses back to an equal File, and printing that
// gives the same bytes.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.txt")
	more, _ := filepath.Glob("testdata/npm/fixtures/*.txt")
	for _, name := range append(seeds, more...) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(allTypesText))
	f.Add([]byte("x TXT ( \"a\\\"b\" \\065 ; c\n d )\n\tURI 1 2 \"t\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		zf, err := Parse(data)
		if err != nil {
			return
		}
		once, err := zf.Format()
		if errors.Is(err, ErrTooLarge) {
			return
		}
		if err != nil {
			t.Fatalf("Format of a parsed file: %v\ninput %q", err, data)
		}
		back, err := Parse(once)
		if err != nil {
			t.Fatalf("Parse(Format): %v\ninput %q\nformatted %q", err, data, once)
		}
		if !reflect.DeepEqual(back, zf) {
			t.Fatalf("Parse(Format(f)) != f\ninput %q\nformatted %q\n got %#v\nwant %#v", data, once, back, zf)
		}
		twice, err := back.Format()
		if err != nil || string(twice) != string(once) {
			t.Fatalf("Format not stable (%v)\n%q\n%q", err, once, twice)
		}
	})
}

// FuzzParseSubdomain feeds arbitrary TXT strings (NUL-separated) to
// ParseSubdomain: it must not panic, and a record it accepts must survive
// Record and ParseSubdomain again unchanged.
func FuzzParseSubdomain(f *testing.F) {
	f.Add([]byte("owner=1A\x00seqn=0\x00parts=1\x00zf0=YWJj"))
	f.Add([]byte("owner=1A\x00seqn=3\x00parts=2\x00zf0=YW\x00zf1=Jj\x00sig=c2ln\\="))
	f.Add([]byte("owner=\x00seqn=0\x00parts=0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Record{Name: "alice", Data: TXT{strings.Split(string(data), "\x00")}}
		s, err := ParseSubdomain(r)
		if err != nil || s.Owner == "" || strings.Contains(s.Owner+s.Sig, `\`) {
			return // Record refuses these, which v1's parser let through
		}
		r2, err := s.Record()
		if err != nil {
			t.Fatalf("Record of a parsed subdomain %+v: %v", s, err)
		}
		s2, err := ParseSubdomain(r2)
		if err != nil || !reflect.DeepEqual(s2, s) {
			t.Fatalf("round trip: %+v, %v; want %+v", s2, err, s)
		}
	})
}
