package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/subdomains"
)

// Subdomains is the subdomain index the API answers "label.name.namespace"
// names from (*subdomains.Indexer implements it).
type Subdomains interface {
	Get(ctx context.Context, fqn string) (subdomains.Record, error)
	History(ctx context.Context, fqn string) ([]subdomains.Record, error)
	OwnedBy(ctx context.Context, addr string) ([]string, error)
	// Of lists a domain's subdomains in name order, at most limit after
	// the name after.
	Of(ctx context.Context, domain, after string, limit int) ([]string, error)
	// Page lists all subdomains in name order, limit from offset.
	Page(ctx context.Context, offset, limit int) ([]string, error)
	// OfTx lists the records a transaction's zone file carried.
	OfTx(ctx context.Context, txid string) ([]subdomains.Record, error)
	// Count is how many subdomains exist.
	Count(ctx context.Context) (int64, error)
}

// lookupSubdomain reads a subdomain's current record; it answers the
// request itself (400/404/500) when it returns nil.
func (s *Server) lookupSubdomain(w http.ResponseWriter, r *http.Request, fqn string) *subdomains.Record {
	if _, _, err := subdomains.SplitFQN(fqn); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil
	}
	if s.cfg.Subdomains == nil {
		writeError(w, http.StatusNotFound, "Name not found (this node keeps no subdomains)")
		return nil
	}
	rec, err := s.cfg.Subdomains.Get(r.Context(), fqn)
	if !s.found(w, r, err, subdomains.ErrNotFound, "Name not found") {
		return nil
	}
	return &rec
}

// subdomain answers /v1/names/{name} for a subdomain as Blockstack Core
// and the Stacks API do (status "registered_subdomain", the subdomain's
// own zone file, last_txid the transaction that anchored its record,
// resolver its domain's _resolver), plus what says where it comes from:
// its parent domain, the block and the record's sequence number. One the
// node does not know is sent to its domain's registrar (toResolver).
func (s *Server) subdomain(w http.ResponseWriter, r *http.Request, fqn string, owner ownerForm) {
	_, domain, err := subdomains.SplitFQN(fqn)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if s.cfg.Subdomains == nil {
		writeError(w, http.StatusNotFound, "Name not found (this node keeps no subdomains)")
		return
	}
	rec, err := s.cfg.Subdomains.Get(r.Context(), fqn)
	if errors.Is(err, subdomains.ErrNotFound) && s.toResolver(w, r, fqn, domain) {
		return
	}
	if !s.found(w, r, err, subdomains.ErrNotFound, "Name not found") {
		return
	}
	resolver, err := s.domainResolver(r.Context(), rec.Parent)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, &apitypes.Subdomain{
		Address:      owner(rec.Owner),
		Blockchain:   "bitcoin",
		LastTxid:     rec.Txid,
		Resolver:     resolver,
		Status:       "registered_subdomain",
		Zonefile:     string(rec.ZoneFile),
		ZonefileHash: rec.ZoneFileHash.String(),
		Subdomain:    true,
		Domain:       rec.Parent,
		Block:        rec.Block,
		Seq:          rec.Seq,
	})
}

func (s *Server) subdomainZonefile(w http.ResponseWriter, r *http.Request, fqn, hash string) {
	rec := s.lookupSubdomain(w, r, fqn)
	if rec == nil {
		return
	}
	if hash == "" || hash == rec.ZoneFileHash.String() {
		writeJSON(w, http.StatusOK, map[string]string{"zonefile": string(rec.ZoneFile)})
		return
	}
	hist, err := s.cfg.Subdomains.History(r.Context(), fqn)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, h := range hist {
		if h.Accepted && h.ZoneFileHash.String() == hash {
			writeJSON(w, http.StatusOK, map[string]string{"zonefile": string(h.ZoneFile)})
			return
		}
	}
	writeError(w, http.StatusNotFound, "No such zone file for name")
}

// subdomainHistory lists a subdomain's records by block, as name history
// does; rejected ones only with ?rejected=1, with the reason.
func (s *Server) subdomainHistory(w http.ResponseWriter, r *http.Request, fqn string) {
	if s.lookupSubdomain(w, r, fqn) == nil {
		return
	}
	hist, err := s.cfg.Subdomains.History(r.Context(), fqn)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := newHistoryAnswer(r)
	for _, h := range hist {
		if !out.wants(h.Accepted) {
			continue
		}
		entry := map[string]any{
			"opcode": "SUBDOMAIN", "name": h.Name, "domain": h.Domain, "address": h.Owner, "sequence": h.Seq,
			"txid": h.Txid, "block_number": h.Block, "zonefile_index": h.Index, "zonefile_offset": h.Offset,
			"value_hash": h.ZoneFileHash.String(), "parent_zonefile_hash": h.ParentZonefileHash.String(),
			"accepted": h.Accepted,
		}
		if !h.Accepted {
			entry["reason"] = string(h.Reason) + ": " + h.Why
		}
		out.add(h.Block, entry)
	}
	writeJSON(w, http.StatusOK, out.byBlock)
}

// subdomainsChunk is how many subdomains one query of a domain's list
// reads: the whole list is answered, as the Stacks API does, but read a
// chunk at a time.
const subdomainsChunk = 1000

// nameSubdomains is /v1/names/{name}/subdomains: a domain's subdomains,
// fully qualified, in name order, as the Stacks API lists them (all of
// them; ?page=N: 100 a page, as the other lists).
func (s *Server) nameSubdomains(w http.ResponseWriter, r *http.Request) {
	rec, _ := s.lookupName(w, r)
	if rec == nil {
		return
	}
	out := []string{}
	if s.cfg.Subdomains == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	if r.URL.Query().Has("page") {
		p, ok := page(w, r)
		if !ok {
			return
		}
		// Of pages by name; walk to the page's start a chunk at a time.
		after, skip := "", p*pageSize
		for skip > 0 {
			chunk, err := s.cfg.Subdomains.Of(r.Context(), rec.Name, after, min(skip, subdomainsChunk))
			if err != nil {
				s.internalError(w, r, err)
				return
			}
			if len(chunk) == 0 {
				writeJSON(w, http.StatusOK, out)
				return
			}
			skip -= len(chunk)
			after = chunk[len(chunk)-1]
		}
		names, err := s.cfg.Subdomains.Of(r.Context(), rec.Name, after, pageSize)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, append(out, names...))
		return
	}
	for after := ""; ; {
		chunk, err := s.cfg.Subdomains.Of(r.Context(), rec.Name, after, subdomainsChunk)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		out = append(out, chunk...)
		if len(chunk) < subdomainsChunk {
			break
		}
		after = chunk[len(chunk)-1]
	}
	writeJSON(w, http.StatusOK, out)
}

// allSubdomains is /v1/subdomains?page=N: every subdomain, 100 a page,
// as Blockstack Core and the Stacks API list them.
func (s *Server) allSubdomains(w http.ResponseWriter, r *http.Request) {
	p, ok := page(w, r)
	if !ok {
		return
	}
	out := []string{}
	if s.cfg.Subdomains != nil {
		names, err := s.cfg.Subdomains.Page(r.Context(), p*pageSize, pageSize)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		out = append(out, names...)
	}
	writeJSON(w, http.StatusOK, out)
}

// subdomainsOfTx is /v1/subdomains/{txid}: the subdomain records the
// transaction's zone file carried, accepted or not, in Blockstack Core's
// shape; an empty list for a transaction that carried none.
func (s *Server) subdomainsOfTx(w http.ResponseWriter, r *http.Request) {
	txid := r.PathValue("txid")
	if !txidRE.MatchString(txid) {
		writeError(w, http.StatusBadRequest, "Invalid txid: want 64 lowercase hex digits")
		return
	}
	out := []apitypes.SubdomainOp{}
	if s.cfg.Subdomains != nil {
		recs, err := s.cfg.Subdomains.OfTx(r.Context(), txid)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		for _, rec := range recs {
			op := apitypes.SubdomainOp{BlockHeight: rec.Block, Domain: rec.Domain, FQN: rec.Name, Owner: rec.Owner,
				ParentZonefileHash: rec.ParentZonefileHash.String(), ParentZonefileIndex: rec.Index, Sequence: rec.Seq,
				Signature: rec.Sig, Txid: rec.Txid, ZonefileHash: rec.ZoneFileHash.String(), ZonefileOffset: rec.Offset}
			if rec.Accepted {
				op.Accepted = 1
			}
			if op.Signature == "" {
				op.Signature = "None" // as Core wrote an unsigned record's
			}
			out = append(out, op)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// subdomainCount is /v1/blockchains/bitcoin/subdomains_count, answered
// as Blockstack Core did, under "names_count".
func (s *Server) subdomainCount(w http.ResponseWriter, r *http.Request) {
	var n int64
	if s.cfg.Subdomains != nil {
		var err error
		if n, err = s.cfg.Subdomains.Count(r.Context()); err != nil {
			s.internalError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, apitypes.Count{NamesCount: n})
}
