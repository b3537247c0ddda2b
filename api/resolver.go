package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// resolverIn is the _resolver URI a zone file names (its domain's
// subdomain registrar, which answers for subdomains not on chain yet), or
// nil: none, or not an http(s) URL a client could be sent to.
func resolverIn(zf string) *string {
	// Most zone files have none: skip the parse on the look-ups' path.
	if !strings.Contains(zf, zonefile.ResolverRecordName) {
		return nil
	}
	f, err := zonefile.Parse([]byte(zf))
	if err != nil {
		return nil
	}
	u, ok := f.ResolverURL()
	if !ok {
		return nil
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil || p.RawQuery != "" || p.Fragment != "" {
		return nil
	}
	return &u
}

// domainResolver is the _resolver of a domain's current zone file, nil if
// the domain is not registered, has no zone file the node holds, or names
// no resolver.
func (s *Server) domainResolver(ctx context.Context, domain string) (*string, error) {
	if s.cfg.Zonefiles == nil {
		return nil, nil
	}
	rec, height, err := s.cfg.DB.CurrentName(ctx, domain)
	if errors.Is(err, namedb.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.ValueHash == "" || s.cfg.Rules.NameState(rec.Revoked, rec.ExpireBlock, height) != rules.Registered {
		return nil, nil
	}
	zf, err := s.cfg.Zonefiles.Get(ctx, rec.ValueHash)
	if errors.Is(err, ErrZonefileNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return resolverIn(string(zf)), nil
}

// toResolver answers a look-up of a subdomain the node does not know as
// the Stacks API does: a redirect to the registrar its domain's _resolver
// names, whose /v1/names/{fqn} answers for the subdomains it has queued
// (status "pending_subdomain" or "submitted_subdomain") before their batch
// is on chain. It reports false, having answered nothing, when the domain
// names no resolver.
func (s *Server) toResolver(w http.ResponseWriter, r *http.Request, fqn, domain string) bool {
	res, err := s.domainResolver(r.Context(), domain)
	if err != nil {
		s.internalError(w, r, err)
		return true
	}
	if res == nil {
		return false
	}
	target := strings.TrimSuffix(*res, "/") + "/v1/names/" + url.PathEscape(fqn)
	w.Header().Set("Location", target)
	writeError(w, http.StatusFound, "Name not found on chain: "+domain+"'s registrar may have it pending, at "+target)
	return true
}
