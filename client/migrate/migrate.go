// Package migrate moves an identity's Gaia buckets from one hub to another:
// its own bucket (where profile.json lives) and each app bucket its profile
// lists, file by file, each read back from the new hub and checked by
// SHA-256 before it counts as moved; then it re-signs the profile with the
// new hub's bucket URLs and writes it to the new hub (docs/gaia.md, "Moving
// to another hub"). A journal makes it resumable: a run killed at any
// point continues where it stopped, and never copies a verified file
// twice. It deletes on the old hub only when asked, and only files it
// verified.
//
// It owns that workflow and its journal. The hub protocol is
// client/storage's, the keys client/keychain's, profile signing
// client/publish's. Pointing the name's zone file at the new profile is a
// BNS operation (nameop.Runner.PointTo), the caller's, between Publish
// and DeleteSource.
package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/client/auth"
	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/publish"
	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// Config says where from, where to and where to keep the journal.
type Config struct {
	// From and To are the old and the new hub's write endpoints.
	From, To string
	// Journal is the journal file's path (made if missing).
	Journal string
	// HTTPClient defaults to http.DefaultClient.
	HTTPClient *http.Client
	// Progress, if set, hears one line per step.
	Progress func(line string)
}

// Bucket is one of the identity's buckets to move.
type Bucket struct {
	// App is the app's origin; "" is the identity's own bucket.
	App string
	// Key owns the bucket (the identity key, or its app key for App).
	Key *btcec.PrivateKey
	// Listed is the bucket URL the profile lists for it ("" if none):
	// it must be the bucket on the old hub, or already the one on the new.
	Listed string
}

// Buckets are the buckets of id that profile p lists: the identity's own
// (listed at profileURL) and each app's in p's apps and appsMeta. An app
// bucket whose address is not id's key for the app is refused: this
// identity cannot write it anywhere.
func Buckets(id *keychain.Identity, p profile.Person, profileURL string) ([]Bucket, error) {
	bs := []Bucket{{Key: id.Key.PrivKey(), Listed: strings.TrimSuffix(profileURL, profile.FileName)}}
	for _, app := range p.Apps() {
		listed, _ := p.AppBucket(app)
		if err := auth.CheckOrigin(app); err != nil {
			return nil, fmt.Errorf("migrate: the profile lists app %q: %w", app, err)
		}
		k, err := id.AppPrivateKey(app)
		if err != nil {
			return nil, err
		}
		if addr, err := storage.BucketAddress(listed); err != nil || addr != gaiaauth.AddressFromKey(k) {
			return nil, fmt.Errorf("migrate: the profile lists %s for app %s, not this identity's bucket for it (%s): its key is not this identity's to move", listed, app, gaiaauth.AddressFromKey(k))
		}
		bs = append(bs, Bucket{App: app, Key: k, Listed: listed})
	}
	return bs, nil
}

// bucket is a Bucket connected to both hubs.
type bucket struct {
	Bucket
	from, to *storage.Hub
}

func (b *bucket) label() string {
	if b.App == "" {
		return "identity bucket " + b.from.Address()
	}
	return "bucket " + b.from.Address() + " of " + b.App
}

// Migration is one identity's move from one hub to another.
type Migration struct {
	cfg      Config
	buckets  []*bucket
	j        *journal
	verified bool // Copy verified every file the old hub lists
}

// Stats count a Copy's files.
type Stats struct {
	Files    int // listed on the old hub
	Copied   int // stored on the new hub and verified by this run
	Present  int // found on the new hub with the same bytes
	Recorded int // verified by an earlier run (the journal's)
}

// Open connects to both hubs for each bucket and opens the journal.
func Open(ctx context.Context, cfg Config, buckets []Bucket) (*Migration, error) {
	cfg.From, cfg.To = strings.TrimSuffix(cfg.From, "/"), strings.TrimSuffix(cfg.To, "/")
	if cfg.From == cfg.To {
		return nil, fmt.Errorf("migrate: the new hub %s is the old one", cfg.To)
	}
	m := &Migration{cfg: cfg}
	for _, b := range buckets {
		from, err := storage.Connect(ctx, storage.Config{HubURL: cfg.From, AppKey: b.Key, HTTPClient: cfg.HTTPClient})
		if err != nil {
			return nil, fmt.Errorf("migrate: old hub: %w", err)
		}
		to, err := storage.Connect(ctx, storage.Config{HubURL: cfg.To, AppKey: b.Key, HTTPClient: cfg.HTTPClient})
		if err != nil {
			return nil, fmt.Errorf("migrate: new hub: %w", err)
		}
		nb := &bucket{Bucket: b, from: from, to: to}
		if b.Listed != "" && b.Listed != from.BucketURL() && b.Listed != to.BucketURL() {
			return nil, fmt.Errorf("migrate: the profile lists the %s at %s, on neither the old hub (%s) nor the new one (%s): is --hub the hub it is on?",
				nb.label(), b.Listed, from.BucketURL(), to.BucketURL())
		}
		m.buckets = append(m.buckets, nb)
	}
	var err error
	if m.j, err = openJournal(cfg.Journal, cfg.From, cfg.To); err != nil {
		return nil, err
	}
	return m, nil
}

// Close closes the journal.
func (m *Migration) Close() error { return m.j.close() }

func (m *Migration) progress(format string, args ...any) {
	if m.cfg.Progress != nil {
		m.cfg.Progress(fmt.Sprintf(format, args...))
	}
}

// Copy copies every file of every bucket that the journal does not hold
// as verified, and verifies each. It stops at the first failure: what it
// verified before is in the journal.
func (m *Migration) Copy(ctx context.Context) (Stats, error) {
	var st Stats
	for _, b := range m.buckets {
		var paths []string
		if _, err := b.from.ListFiles(ctx, func(p string) bool { paths = append(paths, p); return true }); err != nil {
			return st, fmt.Errorf("migrate: listing the %s on the old hub: %w", b.label(), err)
		}
		m.progress("%s: %d files", b.label(), len(paths))
		st.Files += len(paths)
		for i, p := range paths {
			k := fileKey{b.from.Address(), p}
			if _, ok := m.j.verified[k]; ok {
				st.Recorded++
				continue
			}
			sum, stored, err := b.to.CopyFrom(ctx, b.from, p)
			if err != nil {
				return st, fmt.Errorf("migrate: %s: %w", b.label(), err)
			}
			if err := m.j.record(journalEntry{Bucket: k.bucket, Path: p, SHA256: sum}); err != nil {
				return st, err
			}
			verb := "copied"
			if stored {
				st.Copied++
			} else {
				st.Present++
				verb = "already there"
			}
			m.progress("%s: %s (%d of %d) %s", b.label(), p, i+1, len(paths), verb)
		}
	}
	m.verified = true
	return st, nil
}

// Publish lists each app's bucket on the new hub in p, re-signs p with
// the identity key as of now and writes it to the identity's bucket on the
// new hub. It returns the new profile's URL, for the name's zone file.
func (m *Migration) Publish(ctx context.Context, id *keychain.Identity, p profile.Person, now time.Time) (string, error) {
	if !m.verified {
		return "", errors.New("migrate: publish before every file is verified on the new hub")
	}
	var apps []string
	var own *storage.Hub
	for _, b := range m.buckets {
		if b.App == "" {
			own = b.to
		} else {
			apps = append(apps, b.App)
		}
	}
	if own == nil {
		return "", errors.New("migrate: the identity's own bucket, where the profile goes, is not among the buckets")
	}
	url, err := publish.Profile(ctx, own, id, p, apps, now)
	if err != nil {
		return "", fmt.Errorf("migrate: writing the profile to the new hub: %w", err)
	}
	m.progress("profile re-signed with the new hub's bucket URLs: %s", url)
	return url, nil
}

// DeleteSource deletes from the old hub every file the journal holds as
// verified on the new one, if both hubs still hold the bytes verified.
// Call it only once the name resolves to the profile on the new hub: until
// then readers still look on the old hub. It returns how many files it
// deleted, and an error naming the files it left.
func (m *Migration) DeleteSource(ctx context.Context) (int, error) {
	if !m.verified {
		return 0, errors.New("migrate: delete before every file is verified on the new hub")
	}
	n := 0
	var left []string
	for _, b := range m.buckets {
		var done []fileKey
		for k := range m.j.verified {
			if k.bucket == b.from.Address() && !m.j.deleted[k] {
				done = append(done, k)
			}
		}
		slices.SortFunc(done, func(a, b fileKey) int { return strings.Compare(a.path, b.path) })
		for _, k := range done {
			why, err := m.keep(ctx, b, k)
			if err != nil {
				return n, err
			}
			if why != "" {
				left = append(left, fmt.Sprintf("%s of the %s (%s)", k.path, b.label(), why))
				continue
			}
			if err := b.from.DeleteFile(ctx, k.path, false); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return n, fmt.Errorf("migrate: deleting %s from the old hub: %w", k.path, err)
			}
			if err := m.j.record(journalEntry{Bucket: k.bucket, Path: k.path, Deleted: true}); err != nil {
				return n, err
			}
			n++
			m.progress("%s: deleted %s from the old hub", b.label(), k.path)
		}
	}
	if len(left) > 0 {
		return n, fmt.Errorf("migrate: %d files left on the old hub, not as they were verified: %s: compare them by hand before deleting them",
			len(left), strings.Join(left, "; "))
	}
	return n, nil
}

// keep says why the old hub's copy of k must not be deleted ("" if it
// may be): the journal may be days old, and a delete is for good.
func (m *Migration) keep(ctx context.Context, b *bucket, k fileKey) (string, error) {
	want := m.j.verified[k]
	// Apps wrote to the old hub until the name led elsewhere: a write
	// after the copy is on the old hub only.
	old, err := sumOf(ctx, b.from, k.path)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("migrate: checking %s on the old hub before deleting it: %w", k.path, err)
	case old != want:
		return "changed on the old hub after it was copied", nil
	case b.App == "" && k.path == profile.FileName:
		return "", nil // Publish replaced it on the new hub
	}
	now, err := sumOf(ctx, b.to, k.path)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "gone from the new hub", nil
	case err != nil:
		return "", fmt.Errorf("migrate: checking %s on the new hub before deleting it from the old: %w", k.path, err)
	case now != want:
		return "changed on the new hub since it was verified", nil
	}
	return "", nil
}

// sumOf is the SHA-256 (hex) of path in h's own bucket, read as a stream.
func sumOf(ctx context.Context, h *storage.Hub, path string) (string, error) {
	sum := sha256.New()
	if _, err := h.GetFileTo(ctx, "", path, sum, false); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}
