// Command readpath measures the paper's third goal on one machine: reading
// a user's file by name alone, every step verified — the name's record by
// a state proof against a trusted consensus hash, the zone file by its
// hash, the profile by the owner's signature, the file by the bucket's
// signature (client/lookup.ResolveProved, then the file and its .sig) —
// against a plain HTTP GET of the same bytes from the same storage server,
// in alternating rounds: cold (a new connection for every request), warm
// (connections kept alive), and warm with the name resolved earlier in the
// session (the file and its signature only, as a client that looked the
// name up once reads its files). The node serves -names names from a
// database built in the run, while a block commits every 100 ms.
//
//	go run ./bench/readpath -names 1000000 -dir DIR   # DIR's database is built once, then reused
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/lookup"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/snv"
	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

const (
	reader = "alice.bench"
	app    = "https://notes.example"
	file   = "hello.txt"
)

func main() {
	names := flag.Int("names", 100_000, "names in the database besides the one read")
	rounds := flag.Int("rounds", 10, "rounds of each kind of read")
	perRound := flag.Int("reads", 50, "reads of each kind a round")
	size := flag.Int("size", 4096, "bytes of the file read")
	dir := flag.String("dir", "", "database folder, kept (default: a temporary one, removed after); a database already there is reused")
	flag.Parse()
	if err := run(*names, *rounds, *perRound, *size, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "readpath:", err)
		os.Exit(1)
	}
}

func run(names, rounds, perRound, size int, dir string) error {
	ctx := context.Background()
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bench-readpath")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	owner, err := btcec.NewPrivateKey()
	if err != nil {
		return err
	}
	bucketKey, err := btcec.NewPrivateKey()
	if err != nil {
		return err
	}

	// The storage server: the profile, the file and its signature, as a
	// Gaia hub's read endpoint serves them (plain GETs).
	content := []byte(strings.Repeat("x", size))
	bucketAddr := gaiaauth.AddressFromKey(bucketKey)
	files := map[string][]byte{"/" + bucketAddr + "/" + file: content}
	sig, err := json.Marshal(ecies.Sign(bucketKey, content))
	if err != nil {
		return err
	}
	files["/"+bucketAddr+"/"+file+ecies.SigSuffix] = sig
	storageSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := files[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer storageSrv.Close()
	bucket := storageSrv.URL + "/" + bucketAddr + "/"
	p := profile.NewPerson()
	p.SetApp(app, bucket, "02aa")
	tok, err := profile.Sign(p, owner, time.Now(), time.Now().Add(24*time.Hour))
	if err != nil {
		return err
	}
	if files["/profile.json"], err = profile.MakeFile(tok); err != nil {
		return err
	}
	zf, err := profile.ZoneFile(reader, storageSrv.URL+"/profile.json")
	if err != nil {
		return err
	}

	// The node, and the anchor a client would trust: the consensus hash
	// of the node's last block, as the block's commitment gives it.
	db, last, err := openDB(ctx, filepath.Join(dir, "names.db"), names, owner, zf)
	if err != nil {
		return err
	}
	defer db.Close()
	zfs := memZonefiles{zonefile.HashOf(zf).String(): zf}
	srv := httpserve.New(api.New(api.Config{DB: db, Zonefiles: zfs, Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1}), slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(ln)
	defer srv.Close()
	nodeURL := "http://" + ln.Addr().String()

	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- keepIndexing(ctx, db, last.Height, stop) }()
	defer func() { close(stop); <-done }()

	// The anchor a client holds (from --trust or --trust-nodes): taken
	// once, as a session would.
	anchorNode, err := apiclient.New(nodeURL, nil)
	if err != nil {
		return err
	}
	anchor, err := anchorOf(ctx, anchorNode)
	if err != nil {
		return err
	}

	// The reads.
	plain := func(hc *http.Client) error {
		_, err := get(ctx, hc, bucket+file)
		return err
	}
	// resolve is the name's whole lookup path, every step verified.
	resolve := func(hc *http.Client) (string, error) {
		node, err := apiclient.New(nodeURL, hc)
		if err != nil {
			return "", err
		}
		res, _, err := lookup.ResolveProved(ctx, node, hc, reader, anchor, 1, rules.DevnetRules)
		if err != nil {
			return "", err
		}
		b, ok := res.AppBucket(app)
		if !ok {
			return "", fmt.Errorf("no bucket for %s", app)
		}
		return b, nil
	}
	// fetch reads the file from the bucket and checks its signature, as
	// an app reading another user's public file does.
	fetch := func(hc *http.Client, b string) error {
		_, err := storage.GetSigned(ctx, hc, b, file)
		return err
	}
	byName := func(hc *http.Client) error {
		b, err := resolve(hc)
		if err != nil {
			return err
		}
		return fetch(hc, b)
	}
	resolved, err := resolve(warm)
	if err != nil {
		return err
	}
	fromResolved := func(hc *http.Client) error { return fetch(hc, resolved) }

	fmt.Printf("reading a %d-byte file by name among %d names: %d rounds of %d reads each\n\n", size, names+1, rounds, perRound)
	fmt.Printf("| read | connections | p50 | p99 | vs plain GET (p50) |\n|---|---|---|---|---|\n")
	cold := func() *http.Client { return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} }
	for _, mode := range []struct {
		name, conns string
		hc          func() *http.Client
		read        func(*http.Client) error
	}{
		{"by name, every step verified", "new for each request", cold, byName},
		{"by name, every step verified", "kept alive", func() *http.Client { return warm }, byName},
		{"the name resolved before (the session's), file and signature checked", "kept alive", func() *http.Client { return warm }, fromResolved},
	} {
		var p, v []time.Duration
		for range rounds {
			// A session takes a fresh anchor (--trust-nodes does, a few
			// blocks below the tips): proofs of old blocks cost the node
			// more, the more changed since.
			if anchor, err = anchorOf(ctx, anchorNode); err != nil {
				return err
			}
			for _, m := range []struct {
				read func(*http.Client) error
				out  *[]time.Duration
			}{{plain, &p}, {mode.read, &v}} {
				for range perRound {
					start := time.Now()
					if err := m.read(mode.hc()); err != nil {
						return err
					}
					*m.out = append(*m.out, time.Since(start))
				}
			}
		}
		slices.Sort(p)
		slices.Sort(v)
		fmt.Printf("| plain GET (baseline) | %s | %s | %s | 1.00× |\n", mode.conns, pct(p, 50), pct(p, 99))
		fmt.Printf("| %s | %s | %s | %s | %.1f× |\n", mode.name, mode.conns, pct(v, 50), pct(v, 99), float64(pct(v, 50))/float64(pct(p, 50)))
	}
	return nil
}

// warm is the client of the warm reads: its connections stay open.
var warm = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}

// anchorOf is the consensus hash of the node's last block as its
// commitment gives it. A client trusts one it got elsewhere (--trust,
// --trust-nodes); here the node's own stands in for it, so that the
// measured work is what a client does with an anchor it holds.
func anchorOf(ctx context.Context, node *apiclient.Client) (snv.Anchor, error) {
	p, err := node.NameProof(ctx, reader, 0)
	if err != nil {
		return snv.Anchor{}, err
	}
	b := p.Block
	c := snv.CommitmentOf(&b)
	ch, err := c.Hash()
	return snv.Anchor{Height: b.Height, ConsensusHash: ch}, err
}

func get(ctx context.Context, hc *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return b, err
}

func pct(d []time.Duration, p int) time.Duration {
	return d[min(len(d)-1, len(d)*p/100)].Round(time.Microsecond)
}
