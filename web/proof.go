package web

import (
	"context"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// Peer is another node whose consensus hashes the name pages compare
// with this node's (*apiclient.Client is one): a second source for the
// state a name's record is proved against.
type Peer interface {
	URL() string
	SNVBlock(ctx context.Context, height int64, withOps bool) (*apitypes.SNVBlock, error)
}

// peerTimeout bounds the peers' answers a name page waits for.
const peerTimeout = 2 * time.Second

// proofView is a name page's proof section: the name's record proved by
// the last block's state root, and what the peers say of that block.
type proofView struct {
	Height        int64
	ConsensusHash string
	StateRoot     string
	Bytes         int // of the name's proof and its namespace's
	Peers         []peerView
}

// Agree is how many peers give the block's consensus hash as this node.
func (v *proofView) Agree() int {
	n := 0
	for _, p := range v.Peers {
		if p.Agrees {
			n++
		}
	}
	return n
}

// peerView is one peer's word on a block: its consensus hash, or why it
// gave none.
type peerView struct {
	URL    string
	Says   string
	Agrees bool
	Err    string
}

// peerCache keeps the peers' words on the last block asked about, so that
// name pages cost the peers one request a block each.
type peerCache struct {
	mu     sync.Mutex
	height int64
	views  []peerView
}

// proofOf proves name's record as of the last block; nil when the node
// cannot prove now (it is loading its state, or applying a block).
func (s *Server) proofOf(ctx context.Context, name string) *proofView {
	p, err := s.cfg.DB.ProveName(ctx, name, 0)
	if err != nil {
		return nil
	}
	v := &proofView{Height: p.Block.Height, ConsensusHash: p.Block.ConsensusHash, StateRoot: p.Block.StateRoot}
	for _, pr := range []interface{ MarshalBinary() ([]byte, error) }{&p.NameProof, &p.NamespaceProof} {
		if raw, err := pr.MarshalBinary(); err == nil {
			v.Bytes += len(raw)
		}
	}
	v.Peers = s.peerViews(ctx, p.Block.Height, p.Block.ConsensusHash)
	return v
}

// peerViews asks each peer for its consensus hash of the block at height,
// at most once a block.
func (s *Server) peerViews(ctx context.Context, height int64, ours string) []peerView {
	if len(s.cfg.Peers) == 0 {
		return nil
	}
	var cached []peerView
	locked.Do(&s.peers.mu, func() {
		if s.peers.height == height {
			cached = s.peers.views
		}
	})
	if cached != nil {
		return cached
	}
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	views := make([]peerView, len(s.cfg.Peers))
	var wg sync.WaitGroup
	for i, p := range s.cfg.Peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i].URL = p.URL()
			b, err := p.SNVBlock(ctx, height, false)
			if err != nil {
				views[i].Err = err.Error()
				return
			}
			views[i].Says, views[i].Agrees = b.ConsensusHash, b.ConsensusHash == ours
		}()
	}
	wg.Wait()
	locked.Do(&s.peers.mu, func() { s.peers.height, s.peers.views = height, views })
	return views
}
