package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bnsdns"
	"github.com/go-blockstack/go-blockstack/client/snv"
	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/rules"
)

// provedSource is what blockstack dns --trust/--trust-nodes serves from: a
// node's REST API, not trusted. Each name's record is proved against the
// trusted consensus hash's state root (snv.VerifyRecord), and its zone
// file checked against the proved hash by the server; answers are as of
// the anchor's block. Subdomains are not served: their records live in
// zone files the state proofs do not reach.
type provedSource struct {
	node  *apiclient.Client
	trust *trustFlags
	g     globalFlags
	first int64
	rules rules.Rules

	mu     sync.Mutex
	anchor snv.Anchor // the last one Tip resolved
}

func newProvedSource(ctx context.Context, g globalFlags, node *apiclient.Client, f *trustFlags) (*provedSource, error) {
	first, err := firstBlockOf(ctx, g, node)
	if err != nil {
		return nil, err
	}
	return &provedSource{node: node, trust: f, g: g, first: first, rules: g.rules()}, nil
}

// Tip is the anchor: --trust's, which never moves, or the consensus hash
// --trust-nodes agree on a few blocks below their tips, which moves with
// them (so answers lag the chain by those blocks).
func (s *provedSource) Tip(ctx context.Context) (bnsdns.Tip, error) {
	a, err := s.trust.resolve(ctx, s.g, s.first)
	if err != nil {
		return bnsdns.Tip{}, err
	}
	locked.Do(&s.mu, func() { s.anchor = a })
	return bnsdns.Tip{Height: a.Height, ID: a.ConsensusHash}, nil
}

func (s *provedSource) current() (a snv.Anchor) {
	locked.Do(&s.mu, func() { a = s.anchor })
	return a
}

// Namespace proves the namespace's record: a proof of any name carries
// its namespace's, so a made-up name in it serves (one letter, so that it
// is a valid name whatever the namespace ID's length).
func (s *provedSource) Namespace(ctx context.Context, id string) error {
	rec, err := snv.VerifyRecord(ctx, s.node, s.current(), "x."+id, s.first)
	if err != nil {
		return err
	}
	if !rec.NamespaceExists {
		return fmt.Errorf("namespace %s: %w", id, bnsdns.ErrNotFound)
	}
	return nil
}

func (s *provedSource) Name(ctx context.Context, name string) (bnsdns.Name, error) {
	a := s.current()
	rec, err := snv.VerifyRecord(ctx, s.node, a, name, s.first)
	if err != nil {
		return bnsdns.Name{}, err
	}
	r := rec.Name
	if r == nil {
		return bnsdns.Name{}, fmt.Errorf("%s as of block %d: %w", name, a.Height, bnsdns.ErrNotFound)
	}
	live := s.rules.NameState(r.Revoked, r.ExpireBlock, a.Height) == rules.Registered
	if !live || r.ValueHash == "" {
		return restName(name, live, "", nil)
	}
	text, err := s.node.NameZonefileByHash(ctx, name, r.ValueHash)
	if errors.Is(err, apiclient.ErrNotFound) {
		return restName(name, live, r.ValueHash, nil) // not on the node yet
	}
	if err != nil {
		return bnsdns.Name{}, err
	}
	return restName(name, live, r.ValueHash, &text)
}

// Subdomain: none is proved, so none is served.
func (s *provedSource) Subdomain(context.Context, string) (bnsdns.Name, error) {
	return bnsdns.Name{}, bnsdns.ErrNotFound
}
