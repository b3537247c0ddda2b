package main

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/go-blockstack/go-blockstack/client/lookup"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// profilePassPause is the pause between two passes of the profile crawl:
// among a million names a pass takes hours, and the pause matters only
// among a few.
const profilePassPause = 10 * time.Second

// maxProfileName bounds the profile name indexed: a schema.org Person's
// name, not a document.
const maxProfileName = 128

func addSearchProfilesFlag(fl *pflag.FlagSet, on *bool) {
	fl.BoolVar(on, "search-profiles", false, "let /v1/search find names by the name in their profiles: the node fetches each name's profile from where its zone file points (a background crawl; off a local chain, public addresses only) and indexes the name of each one its owner signed")
}

// profileNames reads a name's profile name as the verified lookup does:
// the zone file the chain names (the node's copy, stored by its hash), the
// profile its first _http._tcp URI record points to, verified against the
// name's owner (client/lookup.Profile).
type profileNames struct {
	db  *namedb.DB
	zfs *store.Store
	hc  *http.Client
}

func (p profileNames) PersonName(ctx context.Context, name string) (string, error) {
	rec, _, err := p.db.CurrentName(ctx, name)
	if err != nil || rec.ValueHash == "" || rec.Revoked {
		return "", err
	}
	hash, err := zonefile.ParseHash(rec.ValueHash)
	if err != nil {
		return "", err
	}
	zf, err := p.zfs.Get(hash)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, claims, err := lookup.Profile(ctx, p.hc, name, rec.Address, zf)
	if err != nil {
		return "", err
	}
	person, _ := claims.Claim["name"].(string)
	person = strings.Join(strings.Fields(person), " ")
	if len(person) > maxProfileName || !utf8.ValidString(person) {
		return "", nil
	}
	return person, nil
}
