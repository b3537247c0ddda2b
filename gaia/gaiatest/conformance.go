// Package gaiatest holds test helpers for Gaia storage drivers: the driver
// conformance suite that every gaia.Driver must pass (run by the tests of
// gaia/disk, gaia/s3, gaia/gcs and gaia/azure), the suite of hubs sharing
// one bucket, and launchers for real storage servers on loopback
// (versitygw for S3, fake-gcs-server, Azurite).
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
			// Every driver's ETag is the content MD5 (S3 quotes it).
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

	t.Run("Preconditions", func(t *testing.T) {
		d := nd(t)
		putIf := func(data string, opts gaia.PutOptions) (gaia.ObjectInfo, error) {
			opts.ContentType = "text/plain"
			return d.Put(ctx, bucket, "cond", strings.NewReader(data), opts)
		}
		if _, err := putIf("x", gaia.PutOptions{IfMatch: md5hex([]byte("x"))}); !errors.Is(err, gaia.ErrPreconditionFailed) {
			t.Errorf("IfMatch on a missing object: %v, want ErrPreconditionFailed", err)
		}
		first, err := putIf("one", gaia.PutOptions{IfNoneMatch: true})
		if err != nil {
			t.Fatalf("IfNoneMatch on a missing object: %v", err)
		}
		if _, err := putIf("two", gaia.PutOptions{IfNoneMatch: true}); !errors.Is(err, gaia.ErrPreconditionFailed) {
			t.Errorf("IfNoneMatch on an existing object: %v, want ErrPreconditionFailed", err)
		}
		if _, err := putIf("two", gaia.PutOptions{IfMatch: md5hex([]byte("other"))}); !errors.Is(err, gaia.ErrPreconditionFailed) {
			t.Errorf("IfMatch with another ETag: %v, want ErrPreconditionFailed", err)
		}
		if _, data := get(t, d, bucket, "cond"); string(data) != "one" {
			t.Fatalf("after refused writes: %q", data)
		}
		// Either form of the ETag matches.
		second, err := putIf("two", gaia.PutOptions{IfMatch: gaia.QuotedETag(first.ETag)})
		if err != nil {
			t.Fatalf("IfMatch with the quoted ETag: %v", err)
		}
		if _, err := putIf("three", gaia.PutOptions{IfMatch: strings.Trim(second.ETag, `"`)}); err != nil {
			t.Fatalf("IfMatch with the bare ETag: %v", err)
		}
		if _, err := putIf("four", gaia.PutOptions{IfMatch: first.ETag}); !errors.Is(err, gaia.ErrPreconditionFailed) {
			t.Errorf("IfMatch with a stale ETag: %v, want ErrPreconditionFailed", err)
		}
		if _, data := get(t, d, bucket, "cond"); string(data) != "three" {
			t.Errorf("final content %q", data)
		}
	})

	t.Run("ConditionalWritersOneWinner", func(t *testing.T) {
		d := nd(t)
		RaceConditionalWrites(t, []gaia.Driver{d})
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

// RaceConditionalWrites makes writers through the drivers (taken in turn)
// race, first to create one path with IfNoneMatch, then to replace it with
// IfMatch on the ETag they all read: each time exactly one must win, the
// others getting ErrPreconditionFailed, and the object must hold the
// winner's content.
func RaceConditionalWrites(t *testing.T, drivers []gaia.Driver) {
	t.Helper()
	const writers = 8
	ctx := context.Background()
	race := func(what string, opts gaia.PutOptions) gaia.ObjectInfo {
		t.Helper()
		type result struct {
			data string
			info gaia.ObjectInfo
			err  error
		}
		results := make(chan result, writers)
		start := make(chan struct{})
		for i := 0; i < writers; i++ {
			go func(i int) {
				data := fmt.Sprintf("%s by writer %d", what, i)
				<-start
				info, err := drivers[i%len(drivers)].Put(ctx, bucket, "raced", strings.NewReader(data), opts)
				results <- result{data, info, err}
			}(i)
		}
		close(start)
		var winners []result
		for i := 0; i < writers; i++ {
			r := <-results
			switch {
			case r.err == nil:
				winners = append(winners, r)
			case !errors.Is(r.err, gaia.ErrPreconditionFailed):
				t.Errorf("%s: %v, want success or ErrPreconditionFailed", what, r.err)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("%s: %d writers won, want exactly 1", what, len(winners))
		}
		for _, d := range drivers {
			if info, data := get(t, d, bucket, "raced"); string(data) != winners[0].data || !gaia.ETagsMatch(info.ETag, winners[0].info.ETag) {
				t.Errorf("%s: stored %q (ETag %s), the winner wrote %q (ETag %s)", what, data, info.ETag, winners[0].data, winners[0].info.ETag)
			}
		}
		return winners[0].info
	}
	created := race("create", gaia.PutOptions{IfNoneMatch: true})
	race("replace", gaia.PutOptions{IfMatch: created.ETag})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
