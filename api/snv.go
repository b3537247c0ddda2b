package api

import (
	"net/http"
	"strconv"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/namedb"
)

// snvBlock serves apitypes.SNVBlock: a block's operations hash, the
// consensus hashes its own commits to, and (unless ?operations=0) its
// serialized operations.
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
	out := apitypes.SNVBlock{Height: b.Height, BlockHash: b.Hash, ConsensusHash: b.ConsensusHash, OpsHash: b.OpsHash,
		Accepted: b.Accepted, Operations: []string{}, Prior: []apitypes.PriorHash{}}
	if r.URL.Query().Get("operations") != "0" && ops != nil {
		out.Operations = ops
	}
	for _, h := range consensus.SkipHeights(height, s.cfg.FirstBlock) {
		p, err := s.cfg.DB.BlockAt(r.Context(), h)
		if err != nil {
			s.internalError(w, r, err) // an indexed block's earlier blocks are indexed
			return
		}
		out.Prior = append(out.Prior, apitypes.PriorHash{Height: h, ConsensusHash: p.ConsensusHash})
	}
	writeJSON(w, http.StatusOK, out)
}
