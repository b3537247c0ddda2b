// Package gaiatest holds test helpers for Gaia storage drivers: the driver
// conformance suite that every gaia.Driver must pass (run by gaia/disk and
// gaia/s3 tests), and a launcher for a real S3-compatible server
// (versitygw) on loopback.
//
// It owns only the temporary state its tests create; it must not be
// imported by non-test code.
package gaiatest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/gaia"
)

// NewDriver makes an empty driver for one test.
type NewDriver func(t *testing.T) gaia.Driver

// RunDriverTests runs the conformance suite against drivers made by nd,
// first through the Driver interface, then through a Hub over HTTP.
func RunDriverTests(t *testing.T, nd NewDriver) {
	t.Run("driver", func(t *testing.T) { runDriver(t, nd) })
	t.Run("hub", func(t *testing.T) { runHub(t, nd) })
}

const bucket = "1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU"

func put(t *testing.T, d gaia.Driver, b, p, ct string, data []byte) gaia.ObjectInfo {
	t.Helper()
	info, err := d.Put(context.Background(), b, p, bytes.NewReader(data), gaia.PutOptions{ContentType: ct})
	if err != nil {
		t.Fatalf("Put %s/%s: %v", b, p, err)
	}
	return info
}

func get(t *testing.T, d gaia.Driver, b, p string) (gaia.ObjectInfo, []byte) {
	t.Helper()
	obj, err := d.Get(context.Background(), b, p)
	if err != nil {
		t.Fatalf("Get %s/%s: %v", b, p, err)
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatalf("read %s/%s: %v", b, p, err)
	}
	return obj.ObjectInfo, data
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// failingReader yields some bytes, then an error.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("client went away")
	}
	n := min(len(p), f.n)
	for i := range p[:n] {
		p[i] = 'x'
	}
	f.n -= n
	return n, nil
}

func listAll(t *testing.T, d gaia.Driver, b string, limit int, stat bool) []gaia.ObjectInfo {
	t.Helper()
	var all []gaia.ObjectInfo
	page := ""
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("listing does not end")
		}
		res, err := d.List(context.Background(), b, gaia.ListOptions{Page: page, Limit: limit, Stat: stat})
		if err != nil {
			t.Fatalf("List page %q: %v", page, err)
		}
		if len(res.Entries) > limit {
			t.Fatalf("page has %d entries, limit %d", len(res.Entries), limit)
		}
		all = append(all, res.Entries...)
		if res.NextPage == "" {
			return all
		}
		if len(res.Entries) == 0 {
			t.Fatal("empty page with a next page")
		}
		page = res.NextPage
	}
}

func names(infos []gaia.ObjectInfo) []string {
	var n []string
	for _, i := range infos {
		n = append(n, i.Name)
	}
	return n
}

func runDriver(t *testing.T, nd NewDriver) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		d := nd(t)
		cases := []struct {
			path, ct string
			data     []byte
		}{
			{"hello.txt", "text/plain", []byte("hello world")},
			{"empty", "application/octet-stream", nil},
			{"a/b/c/d/e/f/deep.json", "application/json", []byte(`{"k":1}`)},
			{"with space/ünïcode ☃.bin", "application/octet-stream", bytes.Repeat([]byte{0, 1, 2, 255}, 1000)},
			{"big.bin", "application/octet-stream", bytes.Repeat([]byte("0123456789abcdef"), 80_000)}, // 1.28 MB: past the S3 spool threshold
			{".history.dotfile", "text/plain", []byte("dot")},
		}
		for _, c := range cases {
			before := time.Now().Add(-2 * time.Second)
			info := put(t, d, bucket, c.path, c.ct, c.data)
			if info.ETag == "" || info.Size != int64(len(c.data)) {
				t.Errorf("%s: Put info %+v", c.path, info)
			}
			got, data := get(t, d, bucket, c.path)
			if !bytes.Equal(data, c.data) {
				t.Errorf("%s: content differs (%d bytes, want %d)", c.path, len(data), len(c.data))
			}
			if got.ContentType != c.ct || got.Size != int64(len(c.data)) || !gaia.ETagsMatch(got.ETag, info.ETag) {
				t.Errorf("%s: Get info %+v, Put info %+v", c.path, got, info)
			}
			if got.LastModified.Before(before) || got.LastModified.After(time.Now().Add(2*time.Second)) {
				t.Errorf("%s: LastModified %v", c.path, got.LastModified)
			}
			st, err := d.Stat(ctx, bucket, c.path)
			if err != nil || st.ContentType != c.ct || st.Size != int64(len(c.data)) || !gaia.ETagsMatch(st.ETag, info.ETag) {
				t.Errorf("%s: Stat %+v, %v", c.path, st, err)
			}
			// Both drivers' ETags are the content MD5 (S3 quotes it).
			if !gaia.ETagsMatch(info.ETag, md5hex(c.data)) {
				t.Errorf("%s: ETag %s, want MD5 %s", c.path, info.ETag, md5hex(c.data))
			}
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		d := nd(t)
		a := put(t, d, bucket, "f", "text/plain", []byte("first"))
		b := put(t, d, bucket, "f", "application/json", []byte(`"second"`))
		if gaia.ETagsMatch(a.ETag, b.ETag) {
			t.Errorf("ETag unchanged by a new content: %s", a.ETag)
		}
		info, data := get(t, d, bucket, "f")
		if string(data) != `"second"` || info.ContentType != "application/json" {
			t.Errorf("after overwrite: %q %+v", data, info)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		d := nd(t)
		put(t, d, bucket, "dir/file", "text/plain", []byte("x"))
		for _, p := range []string{"nope", "dir", "dir/file/deeper", "dir/nope"} {
			if _, err := d.Get(ctx, bucket, p); !errors.Is(err, gaia.ErrNotFound) {
				t.Errorf("Get %q: %v, want ErrNotFound", p, err)
			}
			if _, err := d.Stat(ctx, bucket, p); !errors.Is(err, gaia.ErrNotFound) {
				t.Errorf("Stat %q: %v, want ErrNotFound", p, err)
			}
			if err := d.Delete(ctx, bucket, p); !errors.Is(err, gaia.ErrNotFound) {
				t.Errorf("Delete %q: %v, want ErrNotFound", p, err)
			}
			if err := d.Rename(ctx, bucket, p, "elsewhere"); !errors.Is(err, gaia.ErrNotFound) {
				t.Errorf("Rename %q: %v, want ErrNotFound", p, err)
			}
		}
		if _, err := d.Get(ctx, "1OtherBucket", "dir/file"); !errors.Is(err, gaia.ErrNotFound) {
			t.Errorf("Get from another bucket: %v", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		d := nd(t)
		put(t, d, bucket, "x/y/z", "text/plain", []byte("1"))
		put(t, d, bucket, "x/keep", "text/plain", []byte("2"))
		if err := d.Delete(ctx, bucket, "x/y/z"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Stat(ctx, bucket, "x/y/z"); !errors.Is(err, gaia.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if got := names(listAll(t, d, bucket, 10, false)); !slices.Equal(got, []string{"x/keep"}) {
			t.Errorf("after delete, list = %q", got)
		}
		// The name of a pruned directory is free for a file again.
		put(t, d, bucket, "x/y", "text/plain", []byte("3"))
		if _, data := get(t, d, bucket, "x/y"); string(data) != "3" {
			t.Errorf("x/y = %q", data)
		}
	})

	t.Run("Rename", func(t *testing.T) {
		d := nd(t)
		orig := put(t, d, bucket, "docs/a.txt", "text/markdown", []byte("alpha"))
		put(t, d, bucket, "docs/b.txt", "text/plain", []byte("old b"))
		if err := d.Rename(ctx, bucket, "docs/a.txt", "docs/b.txt"); err != nil {
			t.Fatal(err)
		}
		info, data := get(t, d, bucket, "docs/b.txt")
		if string(data) != "alpha" || info.ContentType != "text/markdown" || !gaia.ETagsMatch(info.ETag, orig.ETag) {
			t.Errorf("renamed: %q %+v", data, info)
		}
		if _, err := d.Stat(ctx, bucket, "docs/a.txt"); !errors.Is(err, gaia.ErrNotFound) {
			t.Errorf("source after rename: %v", err)
		}
		if err := d.Rename(ctx, bucket, "docs/b.txt", "archive/2024/b.txt"); err != nil {
			t.Fatal(err)
		}
		if _, data := get(t, d, bucket, "archive/2024/b.txt"); string(data) != "alpha" {
			t.Errorf("renamed into a new directory: %q", data)
		}
	})

	t.Run("ListPaging", func(t *testing.T) {
		d := nd(t)
		if res, err := d.List(ctx, bucket, gaia.ListOptions{Limit: 5}); err != nil || len(res.Entries) != 0 || res.NextPage != "" {
			t.Fatalf("empty bucket: %+v, %v", res, err)
		}
		var want []string
		for i := 0; i < 23; i++ {
			p := fmt.Sprintf("f%02d", i)
			switch i % 3 {
			case 1:
				p = fmt.Sprintf("d%d/f%02d", i%4, i)
			case 2:
				p = fmt.Sprintf("d%d/e/f%02d", i%2, i)
			}
			want = append(want, p)
			put(t, d, bucket, p, "text/plain", []byte(p))
		}
		// Neighbouring buckets must not leak in (the reference S3 driver
		// listed "<address>" as a bare prefix, so "<address>-auth" showed).
		put(t, d, bucket+"-auth", "authTimestamp", "text/plain", []byte("1"))
		put(t, d, bucket+"X", "other", "text/plain", []byte("1"))
		for _, limit := range []int{1, 4, 7, 23, 100} {
			got := names(listAll(t, d, bucket, limit, false))
			if !sameSet(got, want) {
				t.Errorf("limit %d: listed %q, want %q", limit, got, want)
			}
		}
		for _, e := range listAll(t, d, bucket, 6, true) {
			st, err := d.Stat(ctx, bucket, e.Name)
			if err != nil || e.ETag == "" || !gaia.ETagsMatch(e.ETag, st.ETag) || e.Size != int64(len(e.Name)) ||
				e.ContentType != "text/plain" || e.LastModified.IsZero() {
				t.Errorf("stat entry %+v, Stat %+v %v", e, st, err)
			}
		}
		if _, err := d.List(ctx, bucket, gaia.ListOptions{Page: "../x", Limit: 5}); !errors.Is(err, gaia.ErrBadPage) {
			t.Errorf("bad page token: %v, want ErrBadPage", err)
		}
	})

	t.Run("BadPaths", func(t *testing.T) {
		d := nd(t)
		for _, p := range []string{"", "../x", "a/../../b", "/abs", "a/./b", "a//b", "a\x00b", "a\\b", "dir/", strings.Repeat("a/", 101) + "a"} {
			if _, err := d.Put(ctx, bucket, p, strings.NewReader("x"), gaia.PutOptions{}); !errors.Is(err, gaia.ErrBadPath) {
				t.Errorf("Put %q: %v, want ErrBadPath", p, err)
			}
			if _, err := d.Get(ctx, bucket, p); !errors.Is(err, gaia.ErrBadPath) {
				t.Errorf("Get %q: %v, want ErrBadPath", p, err)
			}
		}
		for _, b := range []string{"", "..", "a/b", "a-b", "x.y"} {
			if _, err := d.Put(ctx, b, "f", strings.NewReader("x"), gaia.PutOptions{}); !errors.Is(err, gaia.ErrBadPath) {
				t.Errorf("Put bucket %q: %v, want ErrBadPath", b, err)
			}
		}
		if got := listAll(t, d, bucket, 10, false); len(got) != 0 {
			t.Errorf("bad paths stored %q", names(got))
		}
	})

	t.Run("FailedWriteKeepsOld", func(t *testing.T) {
		d := nd(t)
		put(t, d, bucket, "keep", "text/plain", []byte("precious"))
		if _, err := d.Put(ctx, bucket, "keep", &failingReader{n: 3 << 20}, gaia.PutOptions{ContentType: "text/plain"}); err == nil {
			t.Fatal("Put with a failing body succeeded")
		}
		if _, err := d.Put(ctx, bucket, "new", &failingReader{n: 100}, gaia.PutOptions{}); err == nil {
			t.Fatal("Put with a failing body succeeded")
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := d.Put(cctx, bucket, "keep", strings.NewReader("overwritten"), gaia.PutOptions{}); err == nil {
			t.Fatal("Put with a cancelled context succeeded")
		}
		if _, data := get(t, d, bucket, "keep"); string(data) != "precious" {
			t.Errorf("after failed writes: %q", data)
		}
		if got := names(listAll(t, d, bucket, 10, false)); !slices.Equal(got, []string{"keep"}) {
			t.Errorf("after failed writes, list = %q", got)
		}
	})

	t.Run("ConcurrentWritersNeverInterleave", func(t *testing.T) {
		d := nd(t)
		const writers = 8
		size := 512 << 10
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				data := bytes.Repeat([]byte{byte('a' + i)}, size)
				_, err := d.Put(ctx, bucket, "contended", bytes.NewReader(data), gaia.PutOptions{ContentType: "text/plain"})
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		info, data := get(t, d, bucket, "contended")
		if len(data) != size || bytes.Count(data, data[:1]) != size {
			t.Fatalf("content mixes writers: %d bytes, first %q", len(data), data[:1])
		}
		if !gaia.ETagsMatch(info.ETag, md5hex(data)) {
			t.Errorf("ETag %s does not describe the content (%s)", info.ETag, md5hex(data))
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
