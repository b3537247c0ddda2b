package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/go-blockstack/go-blockstack/subdomains"
)

// maxListedSubdomains bounds the subdomains a domain's page lists.
const maxListedSubdomains = 100

type subdomainData struct {
	Rec      subdomains.Record
	Zonefile zonefileView
	Profile  profileView
	Records  []subdomains.Record // newest first, rejected ones too
}

// subdomain is the page of "label.name.namespace": its current record
// (owner, parent, the transaction that anchored it), its own zone file
// and profile, and every record the chain carried for it with the
// verdict.
func (s *Server) subdomain(w http.ResponseWriter, r *http.Request, fqn string) {
	ctx := r.Context()
	if _, _, err := subdomains.SplitFQN(fqn); err != nil {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a valid name: %v.", fqn, err))
		return
	}
	if s.cfg.Subdomains == nil {
		s.fail(w, r, http.StatusNotFound, "This node keeps no subdomains.")
		return
	}
	rec, err := s.cfg.Subdomains.Get(ctx, fqn)
	if errors.Is(err, subdomains.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("No zone file this node holds creates %s.", fqn))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	hist, err := s.cfg.Subdomains.History(ctx, fqn)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	slices.Reverse(hist)
	d := subdomainData{Rec: rec, Records: hist,
		Zonefile: viewZonefile(rec.ZoneFileHash.String(), "/v1/names/"+fqn+"/zonefile", rec.ZoneFile)}
	d.Profile = s.profileOf(ctx, fqn, rec.Owner, "registered_subdomain", d.Zonefile)
	s.render(w, r, http.StatusOK, "subdomain", fqn, d)
}

// subdomainsOf lists the first of a domain's subdomains (none without an
// index).
func (s *Server) subdomainsOf(r *http.Request, domain string) ([]string, error) {
	if s.cfg.Subdomains == nil {
		return nil, nil
	}
	return s.cfg.Subdomains.Of(r.Context(), domain, "", maxListedSubdomains)
}
