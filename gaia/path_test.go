package gaia

import (
	"errors"
	"strings"
	"testing"
)

func TestSplitBucketPath(t *testing.T) {
	addr := "1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU"
	good := []struct{ in, bucket, path string }{
		{addr + "/a", addr, "a"},
		{addr + "/a/b/c.json", addr, "a/b/c.json"},
		{addr + "/dir/", addr, "dir"}, // one trailing slash is dropped, as the reference hub does
		{addr + "/with%20space", addr, "with space"},
		{addr + "/%E2%98%83", addr, "☃"},
		{addr + "/.history.1.x.f", addr, ".history.1.x.f"},
	}
	for _, c := range good {
		b, p, err := splitBucketPath(c.in, false)
		if err != nil || b != c.bucket || p != c.path {
			t.Errorf("splitBucketPath(%q) = %q, %q, %v", c.in, b, p, err)
		}
	}
	bad := []string{
		"", addr, addr + "/", "/" + addr + "/a", "a-b/f", addr + "-auth/authTimestamp",
		addr + "/../x", addr + "/a/../../b", addr + "/%2e%2e/x", addr + "/a%2Fb", addr + "/a%2fb",
		addr + "/a%5Cb", addr + "/a%00b", addr + "//abs", addr + "/a//b", addr + "/./a", addr + "/a%0Ab",
		addr + "/%ff", addr + "/%zz", addr + "/a\\b", addr + "/dir//",
		addr + "/" + strings.Repeat("a/", MaxPathDepth) + "a",
		addr + "/" + strings.Repeat("a", MaxComponentLen+1),
		addr + "/" + strings.Repeat("ab/", MaxPathLen/3+1),
	}
	for _, in := range bad {
		if b, p, err := splitBucketPath(in, false); !errors.Is(err, ErrBadPath) {
			t.Errorf("splitBucketPath(%q) = %q, %q, %v; want ErrBadPath", truncate(in), b, p, err)
		}
	}
	if b, p, err := splitBucketPath(addr+"-auth/authTimestamp", true); err != nil || b != addr+"-auth" || p != "authTimestamp" {
		t.Errorf("read of the revocation file: %q %q %v", b, p, err)
	}
}

func FuzzSplitBucketPath(f *testing.F) {
	for _, s := range []string{"1A/a", "1A/a/../b", "1A/%2e%2e", "1A/a%2Fb", "1A-auth/x", "1A/a/b/", "1A/\x00"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, allowAuth bool) {
		b, p, err := splitBucketPath(in, allowAuth)
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("%q: error %v is not ErrBadPath", in, err)
			}
			return
		}
		// Whatever is accepted is a valid bucket and path that cannot
		// climb out of the bucket on any driver.
		if ValidateBucket(b) != nil || ValidatePath(p) != nil {
			t.Fatalf("%q accepted as %q %q", in, b, p)
		}
		for _, c := range strings.Split(p, "/") {
			if c == "" || c == "." || c == ".." || strings.ContainsAny(c, "\x00\\") {
				t.Fatalf("%q gave component %q", in, c)
			}
		}
	})
}

func TestETagsMatch(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"abc", "abc", true},
		{`"abc"`, "abc", true},
		{`W/"abc"`, `"abc"`, true},
		{"abc", "abd", false},
		{"", "", false},
		{"*", "abc", false},
	}
	for _, c := range cases {
		if got := ETagsMatch(c.a, c.b); got != c.want {
			t.Errorf("ETagsMatch(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{`1700000000`, 1700000000, true},
		{`1700000000.9`, 1700000000, true},
		{`"1700000000"`, 1700000000, true},
		{``, 0, false},
		{`null`, 0, false},
		{`0`, 0, false}, // JavaScript falsiness: the reference hub calls 0 "missing"
		{`-5`, 0, false},
		{`"abc"`, 0, false},
		{`1e400`, 0, false},
		{`true`, 0, false},
		{`{}`, 0, false},
	}
	for _, c := range cases {
		got, err := parseTimestamp([]byte(c.in))
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseTimestamp(%s) = %d, %v", c.in, got, err)
		}
	}
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"1", "1.5", `"12"`, "null", "-1", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ts, err := parseTimestamp([]byte(in))
		if err == nil && ts <= 0 {
			t.Fatalf("%q gave %d", in, ts)
		}
	})
}
