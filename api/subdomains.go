package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/subdomains"
)

// Subdomains is the subdomain index the API answers "label.name.namespace"
// names from (*subdomains.Indexer implements it).
type Subdomains interface {
	Get(ctx context.Context, fqn string) (subdomains.Record, error)
	History(ctx context.Context, fqn string) ([]subdomains.Record, error)
	OwnedBy(ctx context.Context, addr string) ([]string, error)
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
// own zone file, last_txid the transaction that anchored its record),
// plus what says where it comes from: its parent domain, the block and
// the record's sequence number.
func (s *Server) subdomain(w http.ResponseWriter, r *http.Request, fqn string) {
	rec := s.lookupSubdomain(w, r, fqn)
	if rec == nil {
		return
	}
	writeJSON(w, http.StatusOK, &apitypes.Subdomain{
		Address:      rec.Owner,
		Blockchain:   "bitcoin",
		LastTxid:     rec.Txid,
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
	withRejected := r.URL.Query().Get("rejected") == "1"
	out := map[string][]map[string]any{}
	for _, h := range hist {
		if !h.Accepted && !withRejected {
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
		key := strconv.FormatInt(h.Block, 10)
		out[key] = append(out[key], entry)
	}
	writeJSON(w, http.StatusOK, out)
}
