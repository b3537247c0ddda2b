package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/search"
)

// Searcher answers /v1/search (*search.Follower implements it).
type Searcher interface {
	Search(ctx context.Context, q string, offset, limit int, live func(expireBlock int64, revoked bool) bool) ([]search.Hit, bool, error)
}

// searchPage is Blockstack Core's: its search answered at most 20 people.
const searchPage = 20

// maxQuery bounds a query: no name is longer (37 bytes for the name and
// its namespace, a subdomain's label and a dot before them).
const maxQuery = 128

// searchResult is one result, in the shape of Blockstack Core's search
// (fullyQualifiedName, username) plus what the node knows of the match.
type searchResult struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	// Username is the name without its namespace, as Core gave it.
	Username string `json:"username"`
	Kind     string `json:"kind"`   // "name", "subdomain" or "profile" (found by its profile's name)
	Match    string `json:"match"`  // "exact", "prefix" or "substring"
	Status   string `json:"status"` // as /v1/names/{name} gives it
}

var searchSchema = object(map[string]schema{
	"results": arrayOf(object(map[string]schema{"fullyQualifiedName": str, "username": str, "kind": str, "match": str, "status": str})),
	"page":    integer,
	"more":    boolean,
})

// search answers ?query=Q&page=N: names and subdomains that begin with
// Q (from one character) or contain it (from three), any case, ranked
// as search.Index.Query ranks them; 20 a page. Names that are revoked or past their grace period are left
// out; names in their grace period are listed as expired.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Search == nil {
		writeError(w, http.StatusNotFound, "this node keeps no search index")
		return
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("query")))
	if q == "" || len(q) > maxQuery {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query: give ?query= with 1 to %d characters", maxQuery))
		return
	}
	p, ok := page(w, r)
	if !ok {
		return
	}
	if (p+1)*searchPage > search.MaxResults {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid page: searches stop at %d results; make the query longer", search.MaxResults))
		return
	}
	last, _, err := s.cfg.DB.LastBlock(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	live := func(expireBlock int64, revoked bool) bool {
		st := s.cfg.Rules.NameState(revoked, expireBlock, last.Height)
		return st == rules.Registered || st == rules.InGrace
	}
	hits, more, err := s.cfg.Search.Search(r.Context(), q, p*searchPage, searchPage, live)
	if errors.Is(err, search.ErrNotReady) {
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusServiceUnavailable, "the search index is being built: try again in a few seconds")
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := make([]searchResult, len(hits))
	for i, h := range hits {
		res := searchResult{FullyQualifiedName: h.Name, Username: h.Name[:strings.LastIndexByte(h.Name, '.')],
			Kind: h.Kind.String(), Match: h.Match.String(), Status: "registered_subdomain"}
		if h.Kind != search.Subdomain { // a name, or a name found by its profile's name
			res.Status = s.cfg.Rules.NameState(h.Revoked, h.ExpireBlock, last.Height).Status()
		}
		out[i] = res
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out, "page": p, "more": more})
}
