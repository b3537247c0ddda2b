// Package lookup resolves a name the way an app without servers does: the
// name's record from a BNS node, its zone file (checked against the hash
// the chain holds), the profile URL in the zone file's _http._tcp URI
// record, the profile token there (its signature checked against the
// name's owner), and from the profile an app's bucket. Every step that
// fails says which link of that chain broke. With a trusted consensus hash
// (ResolveProved) the record is proved too, and the node is trusted for
// nothing.
//
// A subdomain that is not on chain yet resolves too: the node sends the
// look-up to the registrar its domain's zone file names (_resolver),
// which answers for the subdomains it has queued; such a Result is
// Pending, its record the registrar's word until its batch is on chain.
//
// It reads only; it owns no keys and writes nothing.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/snv"
	"github.com/go-blockstack/go-blockstack/rules"
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
	// Pending: a subdomain whose record came from its domain's
	// registrar, not yet from the chain; the owner it names (against
	// which the profile was checked) is the registrar's word.
	Pending bool
}

// AppBucket is the read URL of the app's bucket that the profile lists for
// an app origin.
func (r *Result) AppBucket(origin string) (string, bool) {
	return r.Profile.Claim.AppBucket(origin)
}

// Resolve follows name from the node to its verified profile, taking the
// node's word for the name's record. hc fetches the profile (nil:
// http.DefaultClient).
func Resolve(ctx context.Context, node *apiclient.Client, hc *http.Client, name string) (*Result, error) {
	broke := func(link string, err error) error { return &LinkError{Name: name, Link: link, Err: err} }
	rec, err := node.Name(ctx, name)
	if err != nil {
		return nil, broke(LinkName, err)
	}
	// A subdomain's record comes from the node's subdomain index, which
	// checked its signatures: the node is trusted for it as for a name's.
	// A pending one comes from the registrar the node sent us to.
	pending := rec.Pending()
	if rec.Status != "registered" && rec.Status != "registered_subdomain" && !pending {
		return nil, broke(LinkName, fmt.Errorf("the name is %s", rec.Status))
	}
	if rec.ZonefileHash == "" || rec.Zonefile == nil {
		return nil, broke(LinkZonefile, ErrNoZonefile)
	}
	res, err := follow(ctx, hc, name, rec.Address, rec.ZonefileHash, []byte(*rec.Zonefile))
	if res != nil {
		res.Pending = pending
	}
	return res, err
}

// ResolveProved follows name as Resolve does, but from its record as of
// the anchor's block proved against the state root the anchor commits to
// (snv.VerifyRecord), so that no step takes the node's word: the record by
// its proof, the zone file by its hash, the profile by the owner's
// signature. firstBlock is the network's first BNS block and r its rules
// (for the name's state at the anchor's block). Subdomains, whose records
// no state root holds, are refused.
func ResolveProved(ctx context.Context, node *apiclient.Client, hc *http.Client, name string, anchor snv.Anchor, firstBlock int64, r rules.Rules) (*Result, *snv.Record, error) {
	broke := func(link string, err error) error { return &LinkError{Name: name, Link: link, Err: err} }
	if strings.Count(name, ".") != 1 {
		return nil, nil, broke(LinkName, errors.New("only names on the chain can be proved, not subdomains"))
	}
	proof, err := snv.VerifyRecord(ctx, node, anchor, name, firstBlock)
	if err != nil {
		return nil, nil, broke(LinkName, err)
	}
	rec := proof.Name
	if rec == nil {
		return nil, nil, broke(LinkName, fmt.Errorf("not registered as of block %d (proved)", anchor.Height))
	}
	if st := r.NameState(rec.Revoked, rec.ExpireBlock, anchor.Height); st != rules.Registered {
		return nil, nil, broke(LinkName, fmt.Errorf("the name is %s as of block %d (proved)", st.Status(), anchor.Height))
	}
	res, err := FromRecord(ctx, node, hc, name, rec.Address, rec.ValueHash)
	return res, proof, err
}

// FromRecord follows name from a record the caller trusts (proved, say):
// its owner's address and zone file hash. The zone file is read from the
// node by that hash and checked against it.
func FromRecord(ctx context.Context, node *apiclient.Client, hc *http.Client, name, owner, zonefileHash string) (*Result, error) {
	if zonefileHash == "" {
		return nil, &LinkError{Name: name, Link: LinkZonefile, Err: ErrNoZonefile}
	}
	zf, err := node.NameZonefileByHash(ctx, name, zonefileHash)
	if err != nil {
		return nil, &LinkError{Name: name, Link: LinkZonefile, Err: err}
	}
	return follow(ctx, hc, name, owner, zonefileHash, []byte(zf))
}

// follow checks the zone file against its hash and follows it to the
// profile.
func follow(ctx context.Context, hc *http.Client, name, owner, zonefileHash string, zf []byte) (*Result, error) {
	if got := zonefile.HashOf(zf).String(); got != zonefileHash {
		return nil, &LinkError{Name: name, Link: LinkZonefile, Err: fmt.Errorf("the node's zone file hashes to %s; the chain names %s", got, zonefileHash)}
	}
	url, claims, err := Profile(ctx, hc, name, owner, zf)
	if err != nil {
		return nil, err
	}
	return &Result{Name: name, Owner: owner, Zonefile: zf, ProfileURL: url, Profile: claims}, nil
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
