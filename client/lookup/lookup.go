// Package lookup resolves a name the way an app without servers does: the
// name's record from a BNS node, its zone file (checked against the hash
// the chain holds), the profile URL in the zone file's _http._tcp URI
// record, the profile token there (its signature checked against the
// name's owner), and from the profile an app's bucket. Every step that
// fails says which link of that chain broke.
//
// It reads only; it owns no keys and writes nothing.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Links of the chain, as LinkError names them.
const (
	LinkName       = "name record"
	LinkZonefile   = "zone file"
	LinkProfileURL = "profile URL"
	LinkProfile    = "profile"
)

// LinkError says which link of the lookup broke, and why.
type LinkError struct {
	Name string
	Link string
	Err  error
}

func (e *LinkError) Error() string { return fmt.Sprintf("lookup %s: %s: %v", e.Name, e.Link, e.Err) }
func (e *LinkError) Unwrap() error { return e.Err }

// ErrNoZonefile is the zone file link's error for a name without one, or
// whose zone file the node does not hold.
var ErrNoZonefile = errors.New("no zone file")

// maxProfile bounds a profile file: a few signed tokens.
const maxProfile = 1 << 20

// Result is a resolved name.
type Result struct {
	Name       string
	Owner      string // the owner's address, which signed the profile
	Zonefile   []byte
	ProfileURL string
	Profile    *profile.Claims
}

// AppBucket is the read URL of the app's bucket that the profile lists for
// an app origin.
func (r *Result) AppBucket(origin string) (string, bool) {
	return r.Profile.Claim.AppBucket(origin)
}

// Resolve follows name from the node to its verified profile. hc fetches
// the profile (nil: http.DefaultClient).
func Resolve(ctx context.Context, node *apiclient.Client, hc *http.Client, name string) (*Result, error) {
	broke := func(link string, err error) error { return &LinkError{Name: name, Link: link, Err: err} }
	rec, err := node.Name(ctx, name)
	if err != nil {
		return nil, broke(LinkName, err)
	}
	// A subdomain's record comes from the node's subdomain index, which
	// checked its signatures: the node is trusted for it as for a name's.
	if rec.Status != "registered" && rec.Status != "registered_subdomain" {
		return nil, broke(LinkName, fmt.Errorf("the name is %s", rec.Status))
	}
	if rec.ZonefileHash == "" || rec.Zonefile == nil {
		return nil, broke(LinkZonefile, ErrNoZonefile)
	}
	zf := []byte(*rec.Zonefile)
	if got := zonefile.HashOf(zf).String(); got != rec.ZonefileHash {
		return nil, broke(LinkZonefile, fmt.Errorf("the node's zone file hashes to %s; the chain names %s", got, rec.ZonefileHash))
	}
	url, claims, err := Profile(ctx, hc, name, rec.Address, zf)
	if err != nil {
		return nil, err
	}
	return &Result{Name: name, Owner: rec.Address, Zonefile: zf, ProfileURL: url, Profile: claims}, nil
}

// Profile follows a name's zone file, already checked against the hash the
// chain holds, to the profile its owner signed: the URL of the first
// _http._tcp URI record, the profile file there, its first token verified
// against owner (the name's owner address). Errors are *LinkError. hc
// fetches the profile (nil: http.DefaultClient).
func Profile(ctx context.Context, hc *http.Client, name, owner string, zf []byte) (url string, claims *profile.Claims, err error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	broke := func(link string, err error) error { return &LinkError{Name: name, Link: link, Err: err} }
	f, err := zonefile.Parse(zf)
	if err != nil {
		return "", nil, broke(LinkZonefile, err)
	}
	urls := f.ProfileURLs()
	if len(urls) == 0 {
		return "", nil, broke(LinkProfileURL, errors.New("the zone file has no _http._tcp URI record"))
	}
	data, err := fetch(ctx, hc, urls[0])
	if err != nil {
		return urls[0], nil, broke(LinkProfile, err)
	}
	claims, err = profile.ReadFile(data, owner)
	if err != nil {
		return urls[0], nil, broke(LinkProfile, err)
	}
	return urls[0], claims, nil
}

func fetch(ctx context.Context, hc *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxProfile+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if len(data) > maxProfile {
		return nil, fmt.Errorf("GET %s: profile larger than %d bytes", url, maxProfile)
	}
	return data, nil
}
