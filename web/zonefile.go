package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/client/lookup"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// zonefileView is a name's current zone file, raw and parsed, or why there
// is none to show.
type zonefileView struct {
	Hash     string
	Download string // where the API serves it
	Note     string
	Raw      string
	ParseErr string
	Origin   string
	TTL      string
	Records  []recordView
	data     []byte // as stored, for the profile lookup
}

type recordView struct {
	Name, TTL, Type, Data string
}

// zonefileOf reads the zone file a name resolves to (none for a revoked
// name, as /v1/names/{name} says).
func (s *Server) zonefileOf(ctx context.Context, rec *namedb.NameRecord) (zonefileView, error) {
	v := zonefileView{Hash: rec.ValueHash}
	switch {
	case rec.ValueHash == "":
		v.Note = "The name has no zone file."
		return v, nil
	case rec.Revoked:
		v.Note = "The name is revoked: it resolves to no zone file."
		return v, nil
	case s.cfg.Zonefiles == nil:
		v.Note = "This node keeps no zone files."
		return v, nil
	}
	data, err := s.cfg.Zonefiles.Get(ctx, rec.ValueHash)
	if errors.Is(err, api.ErrZonefileNotFound) {
		v.Note = "This node does not hold this zone file yet: Atlas fetches the zone files the chain names from its peers, and the owner may publish it."
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("zone file of %s: %w", rec.Name, err)
	}
	return viewZonefile(rec.ValueHash, "/v1/zonefiles/"+rec.ValueHash, data), nil
}

// viewZonefile shows a zone file's bytes, raw and parsed.
func viewZonefile(hash, download string, data []byte) zonefileView {
	v := zonefileView{Hash: hash, Download: download}
	// The hash covers bytes, not text: show any that are not UTF-8 as
	// replacement characters rather than pass them to the browser.
	v.data, v.Raw = data, strings.ToValidUTF8(string(data), "\uFFFD")
	f, err := zonefile.Parse(data)
	if err != nil {
		v.ParseErr = err.Error()
		return v
	}
	v.Origin = f.Origin
	if f.HasTTL {
		v.TTL = strconv.FormatUint(uint64(f.TTL), 10)
	}
	for _, r := range f.Records {
		rv := recordView{Name: r.Name, Type: r.Data.Type(), Data: zonefile.FormatData(r.Data)}
		if r.HasTTL {
			rv.TTL = strconv.FormatUint(uint64(r.TTL), 10)
		}
		v.Records = append(v.Records, rv)
	}
	return v
}

// profileView is a name's verified profile, or why there is none.
type profileView struct {
	URL       string
	Note      string
	Name      string
	About     string
	Apps      []profileApp
	Issuer    string // the signer's public key
	IssuedAt  string
	ExpiresAt string
	Claim     string // the whole claim, indented JSON
}

type profileApp struct {
	Origin, Bucket string
}

// profileOf follows the zone file's _http._tcp URI record to the profile
// and verifies it against owner, within the profile timeout.
func (s *Server) profileOf(ctx context.Context, name, owner, status string, zf zonefileView) profileView {
	switch {
	case status != "registered" && status != "registered_subdomain":
		return profileView{Note: "The name is " + status + ": it resolves to no profile."}
	case zf.data == nil:
		return profileView{Note: "Without its zone file, the profile cannot be found."}
	case s.cfg.ProfileClient == nil:
		return profileView{Note: "This node does not fetch profiles."}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ProfileTimeout)
	defer cancel()
	url, claims, err := lookup.Profile(ctx, s.cfg.ProfileClient, name, owner, zf.data)
	v := profileView{URL: url}
	var le *lookup.LinkError
	switch {
	case errors.As(err, &le) && le.Link == lookup.LinkProfileURL:
		v.Note = "The zone file points to no profile."
		return v
	case errors.Is(err, profile.ErrWrongIssuer):
		v.Note = "The profile there is not signed by the name's owner."
		return v
	case errors.As(err, &le):
		v.Note = fmt.Sprintf("The %s could not be fetched or verified: %v", le.Link, le.Err)
		return v
	case err != nil:
		v.Note = "The profile could not be fetched or verified: " + err.Error()
		return v
	}
	v.Name, _ = claims.Claim["name"].(string)
	v.About, _ = claims.Claim["description"].(string)
	if apps, ok := claims.Claim["apps"].(map[string]any); ok {
		for origin, bucket := range apps {
			b, _ := bucket.(string)
			v.Apps = append(v.Apps, profileApp{Origin: origin, Bucket: b})
		}
		sort.Slice(v.Apps, func(i, j int) bool { return v.Apps[i].Origin < v.Apps[j].Origin })
	}
	if claims.Issuer != nil {
		v.Issuer = claims.Issuer.PublicKey
	}
	v.IssuedAt, v.ExpiresAt = claims.IAT, claims.EXP
	if raw, err := json.MarshalIndent(claims.Claim, "", "  "); err == nil {
		v.Claim = string(raw)
	}
	return v
}

// ProfileClient is an HTTP client for fetching profiles. Unless
// allowPrivate (a devnet, whose Gaia hub is on this machine), it connects
// only to public addresses: a name's owner chooses the profile URL, and
// must not be able to make a public node probe its own network.
func ProfileClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if a := ap.Addr().Unmap(); !a.IsGlobalUnicast() || a.IsPrivate() {
				return fmt.Errorf("%s is not a public address", a)
			}
			return nil
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil // a proxy would dial for us, past the check
	return &http.Client{Transport: tr}
}
