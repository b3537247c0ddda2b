package api

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/statetree"
)

// snvBlock serves apitypes.SNVBlock: what a block's consensus hash
// commits to, and (unless ?operations=0) its serialized operations.
func (s *Server) snvBlock(w http.ResponseWriter, r *http.Request) {
	height, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || height < s.cfg.FirstBlock {
		writeError(w, http.StatusBadRequest, "height must be a block number from "+strconv.FormatInt(s.cfg.FirstBlock, 10))
		return
	}
	b, ops, err := s.cfg.DB.BlockOps(r.Context(), height)
	if !s.found(w, r, err, namedb.ErrNotFound, "Block not indexed") {
		return
	}
	out, err := s.snvHeader(r, b)
	if err != nil {
		s.internalError(w, r, err) // an indexed block's earlier blocks are indexed
		return
	}
	if r.URL.Query().Get("operations") != "0" && ops != nil {
		out.Operations = ops
	}
	writeJSON(w, http.StatusOK, out)
}

// snvHeader is what b's consensus hash commits to, without its
// operations.
func (s *Server) snvHeader(r *http.Request, b namedb.Block) (apitypes.SNVBlock, error) {
	out := apitypes.SNVBlock{Height: b.Height, BlockHash: b.Hash, ConsensusHash: b.ConsensusHash, OpsHash: b.OpsHash,
		StateRoot: b.StateRoot, Accepted: b.Accepted, Operations: []string{}, Prior: []apitypes.PriorHash{}}
	skip := consensus.SkipHeights(b.Height, s.cfg.FirstBlock)
	chs, err := s.cfg.DB.ConsensusHashes(r.Context(), skip)
	if err != nil {
		return out, err
	}
	for i, h := range skip {
		out.Prior = append(out.Prior, apitypes.PriorHash{Height: h, ConsensusHash: chs[i]})
	}
	return out, nil
}

// nameProof serves apitypes.NameProof, as of ?height= (default: the last
// block).
func (s *Server) nameProof(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := bns.ValidName(name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var height int64
	if q := r.URL.Query().Get("height"); q != "" {
		h, err := strconv.ParseInt(q, 10, 64)
		if err != nil || h < s.cfg.FirstBlock {
			writeError(w, http.StatusBadRequest, "height must be a block number from "+strconv.FormatInt(s.cfg.FirstBlock, 10))
			return
		}
		height = h
	}
	p, err := s.cfg.DB.ProveName(r.Context(), name, height)
	switch {
	case errors.Is(err, namedb.ErrStateBusy):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	case errors.Is(err, namedb.ErrBeyondProofs):
		writeError(w, http.StatusGone, err.Error())
		return
	case !s.found(w, r, err, namedb.ErrNotFound, "Block not indexed"):
		return
	}
	out := apitypes.NameProof{NameRecord: text(p.Name), NamespaceRecord: text(p.Namespace)}
	if out.Block, err = s.snvHeader(r, p.Block); err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, x := range []struct {
		dst   *string
		proof *statetree.Proof
	}{{&out.NameProof, &p.NameProof}, {&out.NamespaceProof, &p.NamespaceProof}} {
		raw, err := x.proof.MarshalBinary()
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		*x.dst = hex.EncodeToString(raw)
	}
	writeJSON(w, http.StatusOK, &out)
}

// text is b as a string, or JSON's null for nil.
func text(b []byte) *string {
	if b == nil {
		return nil
	}
	t := string(b)
	return &t
}
