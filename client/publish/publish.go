// Package publish is the write side of client/lookup: it signs an
// identity's profile and writes it, as profile.json, to the identity's
// Gaia bucket, where the lookup path finds it through the name's zone file
// (docs/client-formats.md, "Profiles and zone files").
//
// It owns that workflow only: the formats are client/profile's, the keys
// client/keychain's and the hub client client/storage's. Pointing a name's
// zone file at the profile is a BNS operation (nameop.Runner.PointTo with
// profile.ZoneFile), outside the client library.
package publish

import (
	"context"
	"fmt"
	"time"

	"github.com/go-blockstack/go-blockstack/client/auth"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// Profile lists in p the identity's bucket on h for each of apps (origins,
// so that others find an app's files through the name), signs p with the
// identity key as of now, writes it to h as profile.json and returns its
// URL. h must be connected with the identity key (id.Key), whose bucket is
// where the profile lives.
func Profile(ctx context.Context, h *storage.Hub, id *keychain.Identity, p profile.Person, apps []string, now time.Time) (string, error) {
	if want := gaiaauth.AddressFromKey(id.Key.PrivKey()); h.Address() != want {
		return "", fmt.Errorf("publish: the hub is connected to bucket %s, not the identity's %s", h.Address(), want)
	}
	prefix := h.Info().ReadURLPrefix
	for _, app := range apps {
		if err := auth.CheckOrigin(app); err != nil {
			return "", err
		}
		k, err := id.AppPrivateKey(app)
		if err != nil {
			return "", err
		}
		p.SetApp(app, prefix+gaiaauth.AddressFromKey(k)+"/", ecies.PublicKeyHex(k))
	}
	token, err := profile.Sign(p, id.Key.PrivKey(), now, time.Time{})
	if err != nil {
		return "", err
	}
	file, err := profile.MakeFile(token)
	if err != nil {
		return "", err
	}
	if _, err = h.PutFile(ctx, profile.FileName, file, storage.PutOptions{ContentType: "application/json", IgnoreETag: true}); err != nil {
		return "", err
	}
	return profile.URL(prefix, h.Address()), nil
}
