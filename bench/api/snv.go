package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/client/snv"
	"github.com/go-blockstack/go-blockstack/namedb"
)

// measureSNV measures what SNV costs a light client as a function of the
// distance H−h between the block it trusts (the last, H) and the block it
// proves (h): the blocks it fetches from the API, the bytes of their
// answers, and the time the walk takes on loopback (snv.Verify). The
// blocks' consensus hashes are real (internal/namedbtest), so every walk
// checks each step as a client does.
func measureSNV(s server, db *namedb.DB) error {
	ctx := context.Background()
	last, _, err := db.LastBlock(ctx)
	if err != nil {
		return err
	}
	var read atomic.Int64
	hc := &http.Client{Transport: countingTransport{http.DefaultTransport, &read}}
	node, err := apiclient.New("http://"+s.addr, hc)
	if err != nil {
		return err
	}
	anchor := snv.Anchor{Height: last.Height, ConsensusHash: last.ConsensusHash}
	fmt.Printf("\nSNV from the last block (%d), over %d blocks:\n\n| H−h | blocks fetched | bytes fetched | time |\n|---|---|---|---|\n", last.Height, last.Height)
	walk := func(h int64) (fetches int, bytes int64, took time.Duration, err error) {
		read.Store(0)
		start := time.Now()
		b, err := snv.Verify(ctx, node, anchor, h, 1)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("SNV of block %d from %s: %w", h, anchor, err)
		}
		return b.Fetches, read.Load(), time.Since(start), nil
	}
	for d := int64(1); d < last.Height; d *= 10 {
		fetches, bytes, took, err := walk(last.Height - d)
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %d | %d | %s |\n", d, fetches, bytes, took.Round(time.Microsecond))
	}
	// A walk's cost depends on the distance's binary form (2^k−1 is one
	// hop), so the mean over distances drawn at random is the fairer figure.
	const walks = 200
	rng := rand.New(rand.NewPCG(3, 4))
	var fetches int
	var bytes int64
	var took time.Duration
	for range walks {
		f, b, t, err := walk(last.Height - 1 - rng.Int64N(last.Height-1))
		if err != nil {
			return err
		}
		fetches, bytes, took = fetches+f, bytes+b, took+t
	}
	fmt.Printf("| mean of %d drawn from 1–%d | %.1f | %d | %s |\n", walks, last.Height-1, float64(fetches)/walks, bytes/walks, (took / walks).Round(time.Microsecond))
	return nil
}

// countingTransport adds the bytes of every answer's body to n.
type countingTransport struct {
	rt http.RoundTripper
	n  *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.rt.RoundTrip(r)
	if err == nil {
		res.Body = countingBody{res.Body, t.n}
	}
	return res, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	k, err := b.ReadCloser.Read(p)
	b.n.Add(int64(k))
	return k, err
}
