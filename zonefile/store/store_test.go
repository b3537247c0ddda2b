package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-blockstack/go-blockstack/internal/syncbuf"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// chain is a NameSet over a fixed set of zone files, counting its calls.
type chain struct {
	named map[zonefile.Hash]bool
	err   error
	calls atomic.Int64
}

func newChain(files ...[]byte) *chain {
	c := &chain{named: map[zonefile.Hash]bool{}}
	for _, f := range files {
		c.named[zonefile.HashOf(f)] = true
	}
	return c
}

func (c *chain) Named(_ context.Context, h zonefile.Hash) (bool, error) {
	c.calls.Add(1)
	return c.named[h], c.err
}

func profile(name string) []byte {
	return []byte("$ORIGIN " + name + "\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://hub.example.org/" + name + "/profile.json\"\n")
}

func open(t *testing.T, dir string, names NameSet) (*Store, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	s, err := Open(dir, names, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, logs
}

// filesUnder lists the regular files below dir/<shard>, relative to dir.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() != lockName {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPut(t *testing.T) {
	good := profile("alice.id")
	notDNS := []byte("\x00\xffnot a zone file at all")
	big := bytes.Repeat([]byte("x"), zonefile.MaxSize+1)
	limit := bytes.Repeat([]byte(";"), zonefile.MaxSize)
	dbDown := errors.New("database is locked")
	tests := []struct {
		name   string
		data   []byte
		chain  *chain
		stored bool
		is     error  // wrapped error, if refused
		msg    string // and text it contains
	}{
		{"named profile", good, newChain(good), true, nil, ""},
		{"named bytes that are not DNS: stored as they are", notDNS, newChain(notDNS), true, nil, ""},
		{"named empty file", []byte{}, newChain([]byte{}), true, nil, ""},
		{"exactly the size limit", limit, newChain(limit), true, nil, ""},
		{"not named", good, newChain(), false, ErrNotNamed, zonefile.HashOf(good).String()},
		{"over the size limit, even if named", big, newChain(big), false, zonefile.ErrTooLarge, "40961 bytes"},
		{"name database failing", good, &chain{err: dbDown}, false, dbDown, "is zone file " + zonefile.HashOf(good).String() + " named on chain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := open(t, dir, tt.chain)
			h, added, err := s.Put(context.Background(), tt.data)
			if h != zonefile.HashOf(tt.data) {
				t.Errorf("Put returned hash %s, want %s", h, zonefile.HashOf(tt.data))
			}
			if !tt.stored {
				if added || !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("Put = %v, %v; want a refusal wrapping %v and containing %q", added, err, tt.is, tt.msg)
				}
				if s.Has(h) || s.Len() != 0 || len(filesUnder(t, dir)) != 0 {
					t.Errorf("a refused zone file left a trace: Has %v, Len %d, files %v", s.Has(h), s.Len(), filesUnder(t, dir))
				}
				if _, err := s.Get(h); !errors.Is(err, ErrNotFound) {
					t.Errorf("Get after a refusal: %v, want ErrNotFound", err)
				}
				return
			}
			if err != nil || !added {
				t.Fatalf("Put = %v, %v", added, err)
			}
			got, err := s.Get(h)
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Fatalf("Get = %q, %v", got, err)
			}
			// v1's layout: <dir>/ab/cd/<hash>.txt, nothing else.
			x := h.String()
			want := []string{x[:2] + "/" + x[2:4] + "/" + x + ".txt"}
			if files := filesUnder(t, dir); !reflect.DeepEqual(files, want) {
				t.Errorf("files %v, want %v", files, want)
			}
			if !s.Has(h) || s.Len() != 1 {
				t.Errorf("Has %v, Len %d", s.Has(h), s.Len())
			}
		})
	}
}

func TestPutAgainSkipsTheNameDatabase(t *testing.T) {
	data := profile("bob.id")
	c := newChain(data)
	s, _ := open(t, t.TempDir(), c)
	if _, added, err := s.Put(context.Background(), data); err != nil || !added {
		t.Fatalf("first Put = %v, %v", added, err)
	}
	if _, added, err := s.Put(context.Background(), data); err != nil || added {
		t.Fatalf("second Put = %v, %v; want not added", added, err)
	}
	if n := c.calls.Load(); n != 1 {
		t.Errorf("Named was asked %d times, want 1", n)
	}
}

func TestMissing(t *testing.T) {
	a, b, c := profile("a.id"), profile("b.id"), profile("c.id")
	ha, hb, hc := zonefile.HashOf(a), zonefile.HashOf(b), zonefile.HashOf(c)
	s, _ := open(t, t.TempDir(), newChain(a, b, c))
	if _, _, err := s.Put(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	// Chain order, with a hash named twice (two names, one zone file).
	got := s.Missing([]zonefile.Hash{hc, ha, hb, hc, ha})
	if want := []zonefile.Hash{hc, ha}; !reflect.DeepEqual(got, want) {
		t.Errorf("Missing = %v, want %v", got, want)
	}
	if got := s.Missing(nil); got != nil {
		t.Errorf("Missing(nil) = %v", got)
	}
}

func TestCorruption(t *testing.T) {
	other := profile("other.id")
	tests := []struct {
		name   string
		mutate func(path string) error
	}{
		{"a flipped byte", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 1
			return os.WriteFile(p, b, 0o600)
		}},
		{"truncated to nothing", func(p string) error { return os.Truncate(p, 0) }},
		{"grown past the size limit", func(p string) error {
			return os.WriteFile(p, bytes.Repeat([]byte("a"), zonefile.MaxSize+10), 0o600)
		}},
		{"another zone file's bytes", func(p string) error { return os.WriteFile(p, other, 0o600) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := profile("carol.id")
			dir := t.TempDir()
			s, logs := open(t, dir, newChain(data))
			h, _, err := s.Put(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.mutate(s.path(h)); err != nil {
				t.Fatal(err)
			}
			if !s.Has(h) {
				t.Fatal("Has before any read should still say present")
			}
			_, err = s.Get(h)
			if !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get of a corrupt file: %v; want ErrCorrupt and ErrNotFound", err)
			}
			if s.Has(h) || len(s.Missing([]zonefile.Hash{h})) != 1 {
				t.Error("a corrupt file is still reported present")
			}
			if !strings.Contains(logs.String(), "corrupt zone file moved aside") || !strings.Contains(logs.String(), h.String()) {
				t.Errorf("corruption not logged: %s", logs)
			}
			// Moved aside, not deleted.
			moved, _ := filepath.Glob(filepath.Join(dir, corruptDir, h.String()+".*.txt"))
			if len(moved) != 1 {
				t.Fatalf("corrupt/ holds %v", moved)
			}
			if _, err := os.Stat(s.path(h)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the corrupt file is still in place: %v", err)
			}
			// A good copy from a peer repairs it.
			if _, added, err := s.Put(context.Background(), data); err != nil || !added {
				t.Fatalf("Put after corruption = %v, %v", added, err)
			}
			if got, err := s.Get(h); err != nil || !bytes.Equal(got, data) {
				t.Errorf("Get after repair = %q, %v", got, err)
			}
		})
	}
}

func TestPutReplacesACorruptCopy(t *testing.T) {
	data := profile("dan.id")
	dir := t.TempDir()
	s, _ := open(t, dir, newChain(data))
	h, _, err := s.Put(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.path(h), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, added, err := s.Put(context.Background(), data); err != nil || !added {
		t.Fatalf("Put over a corrupt copy = %v, %v; want added", added, err)
	}
	if got, err := s.Get(h); err != nil || !bytes.Equal(got, data) {
		t.Errorf("Get = %q, %v", got, err)
	}
	if moved, _ := filepath.Glob(filepath.Join(dir, corruptDir, "*")); len(moved) != 1 {
		t.Errorf("corrupt/ holds %v, want the garbage", moved)
	}
}

func TestVanishedFile(t *testing.T) {
	data := profile("erin.id")
	s, logs := open(t, t.TempDir(), newChain(data))
	h, _, err := s.Put(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(s.path(h)); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(h)
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of a deleted file: %v; want ErrNotFound only", err)
	}
	if s.Has(h) || !strings.Contains(logs.String(), "vanished") {
		t.Errorf("Has %v; logs %s", s.Has(h), logs)
	}
}

func TestVerify(t *testing.T) {
	var files [][]byte
	for i := range 6 {
		files = append(files, profile(fmt.Sprintf("v%d.id", i)))
	}
	s, _ := open(t, t.TempDir(), newChain(files...))
	var hashes []zonefile.Hash
	for _, f := range files {
		h, _, err := s.Put(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	if err := os.WriteFile(s.path(hashes[1]), []byte("bad"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(s.path(hashes[4])); err != nil {
		t.Fatal(err)
	}
	lost, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[zonefile.Hash]bool{hashes[1]: true, hashes[4]: true}
	if len(lost) != 2 || !want[lost[0]] || !want[lost[1]] {
		t.Errorf("Verify = %v, want %s and %s", lost, hashes[1], hashes[4])
	}
	if s.Len() != 4 {
		t.Errorf("Len = %d after Verify, want 4", s.Len())
	}
	if lost, err := s.Verify(context.Background()); err != nil || len(lost) != 0 {
		t.Errorf("second Verify = %v, %v", lost, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Verify(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with a cancelled context: %v", err)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	a, b := profile("f.id"), profile("g.id")
	c := newChain(a, b)
	s, err := Open(dir, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	ha, _, _ := s.Put(context.Background(), a)
	hb, _, _ := s.Put(context.Background(), b)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	// What a crash and a careless operator leave behind.
	shard := filepath.Dir(s.path(ha))
	tmp := filepath.Join(shard, "."+ha.String()+".123.tmp")
	stray := filepath.Join(shard, "notes.txt")
	upper := filepath.Join(shard, strings.ToUpper(ha.String())+".txt")
	misplaced := filepath.Join(dir, "00", "00", hb.String()+".txt")
	for _, p := range []string{tmp, stray, upper, misplaced} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	s2, logs := open(t, dir, c)
	if s2.Len() != 2 || !s2.Has(ha) || !s2.Has(hb) {
		t.Errorf("reopened store: Len %d, Has %v %v", s2.Len(), s2.Has(ha), s2.Has(hb))
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unfinished write not removed: %v", err)
	}
	for _, p := range []string{stray, upper, misplaced} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("an unexpected file was touched: %v", err)
		}
		if !strings.Contains(logs.String(), filepath.Base(p)) {
			t.Errorf("%s not reported: %s", p, logs)
		}
	}
	if got, err := s2.Get(ha); err != nil || !bytes.Equal(got, a) {
		t.Errorf("Get after reopen = %q, %v", got, err)
	}
}

func TestLockAndClose(t *testing.T) {
	dir := t.TempDir()
	data := profile("h.id")
	s, err := Open(dir, newChain(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, newChain(), nil); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Open of a folder in use: %v", err)
	}
	h, _, err := s.Put(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(h); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	if _, _, err := s.Put(context.Background(), data); !errors.Is(err, ErrClosed) {
		t.Errorf("Put after Close: %v", err)
	}
	if _, err := s.Verify(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Verify after Close: %v", err)
	}
	if s.Has(h) || s.Len() != 0 {
		t.Error("a closed store reports zone files")
	}
	s2, err := Open(dir, newChain(), nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
	if _, err := Open(dir, nil, nil); err == nil {
		t.Error("Open without a NameSet succeeded")
	}
}

func TestNameSetFunc(t *testing.T) {
	data := profile("i.id")
	want := zonefile.HashOf(data)
	var asked zonefile.Hash
	names := NameSetFunc(func(_ context.Context, h zonefile.Hash) (bool, error) {
		asked = h
		return h == want, nil
	})
	s, _ := open(t, t.TempDir(), names)
	if _, added, err := s.Put(context.Background(), data); err != nil || !added || asked != want {
		t.Errorf("Put = %v, %v; Named asked about %s", added, err, asked)
	}
}

// TestConcurrent has writers race on the same zone files while readers
// and a verifier run; run it with -race.
func TestConcurrent(t *testing.T) {
	var files [][]byte
	for i := range 40 {
		files = append(files, profile(fmt.Sprintf("n%d.id", i)))
	}
	c := newChain(files...)
	var hashes []zonefile.Hash
	for _, f := range files {
		hashes = append(hashes, zonefile.HashOf(f))
	}
	dir := t.TempDir()
	s, _ := open(t, dir, c)

	var added atomic.Int64
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for _, i := range r.Perm(len(files)) {
				_, a, err := s.Put(context.Background(), files[i])
				if err != nil {
					t.Error(err)
					return
				}
				if a {
					added.Add(1)
				}
				if got, err := s.Get(hashes[i]); err != nil || !bytes.Equal(got, files[i]) {
					t.Errorf("Get = %q, %v", got, err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			s.Missing(hashes)
			s.Has(hashes[0])
			if lost, err := s.Verify(context.Background()); err != nil || len(lost) != 0 {
				t.Errorf("Verify = %v, %v", lost, err)
			}
		}
	}()
	wg.Wait()

	if n := added.Load(); n != int64(len(files)) {
		t.Errorf("%d Puts reported added, want %d (one per zone file)", n, len(files))
	}
	if s.Len() != len(files) || len(s.Missing(hashes)) != 0 {
		t.Errorf("Len %d, missing %d", s.Len(), len(s.Missing(hashes)))
	}
	if n := len(filesUnder(t, dir)); n != len(files) {
		t.Errorf("%d files on disk, want %d (no temporary files left)", n, len(files))
	}
}
