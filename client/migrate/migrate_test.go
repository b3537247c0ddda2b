package migrate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/publish"
	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/internal/locked"
)

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

const appA, appB = "https://notes.example", "https://photos.example"

func newHub(t *testing.T) *gaiatest.Hub {
	t.Helper()
	d, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return gaiatest.StartHub(t, d, gaia.Config{})
}

// failingHub is a hub on disk that answers 503 to every store once it
// has taken failAfter of them (negative: never), and counts the stores it
// took per path: a migration that copies a file twice shows there.
type failingHub struct {
	URL       string
	mu        sync.Mutex
	failAfter int
	stored    map[string]int
}

func newFailingHub(t *testing.T, failAfter int) *failingHub {
	t.Helper()
	d, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	f := &failingHub{failAfter: failAfter, stored: map[string]int{}}
	var h *gaia.Hub
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/store/") {
			fail := false
			locked.Do(&f.mu, func() {
				n := 0
				for _, c := range f.stored {
					n += c
				}
				if fail = f.failAfter >= 0 && n >= f.failAfter; !fail {
					f.stored[r.URL.Path]++
				}
			})
			if fail {
				http.Error(w, "injected failure", http.StatusServiceUnavailable)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	if h, err = gaia.New(d, gaia.Config{ReadPath: "/read/", ReadURL: srv.URL + "/read/"}); err != nil {
		t.Fatal(err)
	}
	f.URL = srv.URL
	return f
}

func (f *failingHub) setFailAfter(n int) { locked.Do(&f.mu, func() { f.failAfter = n }) }

// user is an identity with a profile on a hub listing two app buckets,
// and files in the three buckets.
type user struct {
	id         *keychain.Identity
	person     profile.Person
	profileURL string
	files      map[string][]string // bucket label ("" or app) → paths
}

func newUser(t *testing.T, hubURL string) *user {
	t.Helper()
	ctx := context.Background()
	kc, err := keychain.FromMnemonic(mnemonic, "devnet")
	if err != nil {
		t.Fatal(err)
	}
	u := &user{person: profile.NewPerson(), files: map[string][]string{}}
	if u.id, err = kc.Identity(0); err != nil {
		t.Fatal(err)
	}
	own := connect(t, hubURL, u, "")
	u.person["name"] = "Alice"
	if u.profileURL, err = publish.Profile(ctx, own, u.id, u.person, []string{appA, appB}, time.Now()); err != nil {
		t.Fatal(err)
	}
	put := func(h *storage.Hub, label, path, content string, opts storage.PutOptions) {
		t.Helper()
		if _, err := h.PutFile(ctx, path, []byte(content), opts); err != nil {
			t.Fatal(err)
		}
	}
	put(own, "", "avatar.txt", "a picture", storage.PutOptions{ContentType: "text/plain"})
	a, b := connect(t, hubURL, u, appA), connect(t, hubURL, u, appB)
	put(a, appA, "plain.txt", "plain", storage.PutOptions{ContentType: "text/plain"})
	put(a, appA, "signed.txt", "signed", storage.PutOptions{Sign: true})
	put(a, appA, "notes/secret.json", "secret", storage.PutOptions{Encrypt: true, Sign: true})
	put(b, appB, "p/1.txt", "one", storage.PutOptions{})
	put(b, appB, "p/2.txt", "two", storage.PutOptions{})
	u.files[""] = []string{"avatar.txt", "profile.json"}
	u.files[appA] = []string{"notes/secret.json", "plain.txt", "signed.txt", "signed.txt.sig"}
	u.files[appB] = []string{"p/1.txt", "p/2.txt"}
	return u
}

// connect opens the user's bucket for app ("" for the identity's) on a hub.
func connect(t *testing.T, hubURL string, u *user, app string) *storage.Hub {
	t.Helper()
	key := u.id.Key.PrivKey()
	if app != "" {
		var err error
		if key, err = u.id.AppPrivateKey(app); err != nil {
			t.Fatal(err)
		}
	}
	h, err := storage.Connect(context.Background(), storage.Config{HubURL: hubURL, AppKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func list(t *testing.T, h *storage.Hub) []string {
	t.Helper()
	var got []string
	if _, err := h.ListFiles(context.Background(), func(p string) bool { got = append(got, p); return true }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

func open(t *testing.T, u *user, from, to, journal string) *Migration {
	t.Helper()
	bs, err := Buckets(u.id, u.person, u.profileURL)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(context.Background(), Config{From: from, To: to, Journal: journal}, bs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestMigrateResumes: a migration whose new hub fails after 3 stores
// stops with an error; run again, it copies only the rest (no file is
// stored twice), verifies all, re-signs the profile with the new hub's
// bucket URLs, and with DeleteSource empties the old buckets. A third run
// finds everything recorded.
func TestMigrateResumes(t *testing.T) {
	ctx := context.Background()
	old := newHub(t)
	to := newFailingHub(t, 3)
	u := newUser(t, old.URL)
	journal := filepath.Join(t.TempDir(), "state", "migrate.jsonl")

	var lines []string
	m := open(t, u, old.URL, to.URL, journal)
	m.cfg.Progress = func(l string) { lines = append(lines, l) }
	if _, err := m.Copy(ctx); err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("copy through a failing hub: %v", err)
	}
	if _, err := m.Publish(ctx, u.id, u.person, time.Now()); err == nil {
		t.Fatal("published the profile with files missing")
	}
	if len(lines) != 2+3 || !strings.Contains(lines[1], "(1 of 2) copied") {
		t.Fatalf("progress of the first run: %q", lines)
	}
	m.Close()

	to.setFailAfter(-1)
	m = open(t, u, old.URL, to.URL, journal)
	st, err := m.Copy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Stats{Files: 8, Copied: 5, Recorded: 3}); st != want {
		t.Fatalf("second run: %+v, want %+v", st, want)
	}
	for path, n := range to.stored {
		if n != 1 {
			t.Errorf("%s stored %d times", path, n)
		}
	}
	url, err := m.Publish(ctx, u.id, u.person, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	newOwn := connect(t, to.URL, u, "")
	if url != profile.URL(newOwn.Info().ReadURLPrefix, newOwn.Address()) {
		t.Fatalf("profile URL %s", url)
	}
	for _, app := range []string{appA, appB} {
		nb := connect(t, to.URL, u, app)
		if got, _ := u.person.AppBucket(app); got != nb.BucketURL() {
			t.Errorf("profile lists %s for %s, want the new hub's %s", got, app, nb.BucketURL())
		}
		if got := list(t, nb); !slices.Equal(got, u.files[app]) {
			t.Errorf("new hub's bucket of %s: %q, want %q", app, got, u.files[app])
		}
	}
	a := connect(t, to.URL, u, appA)
	if data, _, err := a.GetFile(ctx, "signed.txt", storage.GetOptions{Verify: true}); err != nil || string(data) != "signed" {
		t.Errorf("signed.txt on the new hub: %q %v", data, err)
	}
	if data, _, err := a.GetFile(ctx, "notes/secret.json", storage.GetOptions{Decrypt: true, Verify: true}); err != nil || string(data) != "secret" {
		t.Errorf("secret on the new hub: %q %v", data, err)
	}

	n, err := m.DeleteSource(ctx)
	if err != nil || n != 8 {
		t.Fatalf("delete source: %d %v", n, err)
	}
	for _, app := range []string{"", appA, appB} {
		if got := list(t, connect(t, old.URL, u, app)); len(got) != 0 {
			t.Errorf("old bucket of %q still holds %q", app, got)
		}
	}
	m.Close()

	// The profile now lists the new hub: a third run resumes from the
	// journal (the old hub lists nothing more to copy).
	u.profileURL = url
	m = open(t, u, old.URL, to.URL, journal)
	if st, err = m.Copy(ctx); err != nil || st != (Stats{}) {
		t.Fatalf("third run: %+v %v", st, err)
	}
}

// TestDeleteSourceKeeps: DeleteSource deletes a file from the old hub
// only while both hubs hold the bytes it verified. A file an app rewrote
// on the old hub after the copy (the name still led there), one gone from
// the new hub, and one changed there since are left, and the deletion
// fails naming each with why; the others are deleted.
func TestDeleteSourceKeeps(t *testing.T) {
	ctx := context.Background()
	old, to := newHub(t), newHub(t)
	u := newUser(t, old.URL)
	m := open(t, u, old.URL, to.URL, filepath.Join(t.TempDir(), "j.jsonl"))
	if _, err := m.Copy(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Publish(ctx, u.id, u.person, time.Now()); err != nil {
		t.Fatal(err)
	}
	oldB, newA, newB := connect(t, old.URL, u, appB), connect(t, to.URL, u, appA), connect(t, to.URL, u, appB)
	if _, err := oldB.PutFile(ctx, "p/1.txt", []byte("one, edited"), storage.PutOptions{IgnoreETag: true}); err != nil {
		t.Fatal(err)
	}
	if err := newB.DeleteFile(ctx, "p/2.txt", false); err != nil {
		t.Fatal(err)
	}
	if _, err := newA.PutFile(ctx, "plain.txt", []byte("plain, edited"), storage.PutOptions{IgnoreETag: true}); err != nil {
		t.Fatal(err)
	}
	n, err := m.DeleteSource(ctx)
	if n != 5 || err == nil {
		t.Fatalf("delete source: %d, %v; want 5 deleted and an error", n, err)
	}
	for _, want := range []string{"3 files left", "p/1.txt of the bucket", "(changed on the old hub after it was copied)",
		"p/2.txt of the bucket", "(gone from the new hub)", "plain.txt of the bucket", "(changed on the new hub since it was verified)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	for app, want := range map[string][]string{"": nil, appA: {"plain.txt"}, appB: {"p/1.txt", "p/2.txt"}} {
		if got := list(t, connect(t, old.URL, u, app)); !slices.Equal(got, want) {
			t.Errorf("old bucket of %q holds %q, want %q", app, got, want)
		}
	}
}

// TestMigrateRefuses: what Buckets and Open refuse, each saying why.
func TestMigrateRefuses(t *testing.T) {
	old, other, to := newHub(t), newHub(t), newHub(t)
	u := newUser(t, old.URL)
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	open(t, u, old.URL, to.URL, journal).Close()
	foreign := profile.NewPerson()
	foreign.SetApp(appA, to.URL+"/read/1BoatSLRHtKNngkdXEeobR76b1LP5rdJL/", "02")
	cases := []struct {
		name     string
		person   profile.Person
		from, to string
		journal  string
		want     string
	}{
		{"same hub", u.person, old.URL, old.URL + "/", journal, "is the old one"},
		{"other journal", u.person, old.URL, other.URL, journal, "finish that one, or remove the journal"},
		{"bucket elsewhere", u.person, other.URL, to.URL, filepath.Join(t.TempDir(), "j"), "on neither the old hub"},
		{"foreign app bucket", foreign, old.URL, to.URL, filepath.Join(t.TempDir(), "j"), "not this identity's bucket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bs, err := Buckets(u.id, c.person, u.profileURL)
			if err == nil {
				var m *Migration
				if m, err = Open(context.Background(), Config{From: c.from, To: c.to, Journal: c.journal}, bs); err == nil {
					m.Close()
				}
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

// TestJournalTornLine: a journal whose last line was cut by a crash loads
// without it, and the next record starts a line of its own.
func TestJournalTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := openJournal(path, "http://a", "http://b")
	if err != nil {
		t.Fatal(err)
	}
	if err := j.record(journalEntry{Bucket: "1x", Path: "a", SHA256: "00"}); err != nil {
		t.Fatal(err)
	}
	j.close()
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(data, `{"bucket":"1x","pa`...), 0o600); err != nil {
		t.Fatal(err)
	}
	if j, err = openJournal(path, "http://a", "http://b"); err != nil {
		t.Fatal(err)
	}
	if err := j.record(journalEntry{Bucket: "1x", Path: "b", SHA256: "01"}); err != nil {
		t.Fatal(err)
	}
	j.close()
	if j, err = openJournal(path, "http://a", "http://b"); err != nil {
		t.Fatal(err)
	}
	defer j.close()
	if len(j.verified) != 2 || j.verified[fileKey{"1x", "b"}] != "01" {
		t.Fatalf("after a torn line: %v", j.verified)
	}
}
