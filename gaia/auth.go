package gaia

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/golang-jwt/jwt/v5"

	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// maxScopes is the most scopes a token may carry, as the reference hub
// allows.
const maxScopes = 8

// grant is what a valid token allows.
type grant struct {
	// signer is checked against the whitelist: the association token's
	// issuer when there is one, otherwise the bucket address.
	signer string
	scopes scopeSet
}

// scopeSet is a token's scopes sorted by kind. Empty means unrestricted.
type scopeSet struct {
	writePaths, writePrefixes     []string
	deletePaths, deletePrefixes   []string
	archivalPaths, archivalPrefix []string
}

func matchAny(path string, exact, prefixes []string) bool {
	if slices.Contains(exact, path) {
		return true
	}
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func (s scopeSet) archival() bool { return len(s.archivalPaths)+len(s.archivalPrefix) > 0 }

// restricted reports whether the token has any scopes: then it may do only
// what they name, and no scope names revocation.
func (s scopeSet) restricted() bool {
	return s.archival() || len(s.writePaths)+len(s.writePrefixes)+len(s.deletePaths)+len(s.deletePrefixes) > 0
}

// checkArchival: with archival scopes, the path must match one of them.
func (s scopeSet) checkArchival(address, path string) error {
	if s.archival() && !matchAny(path, s.archivalPaths, s.archivalPrefix) {
		return validationError("Address %s not authorized to modify %s by scopes", address, path)
	}
	return nil
}

func (s scopeSet) checkWrite(address, path string) error {
	if err := s.checkArchival(address, path); err != nil {
		return err
	}
	if len(s.writePaths)+len(s.writePrefixes) > 0 && !matchAny(path, s.writePaths, s.writePrefixes) {
		return validationError("Address %s not authorized to write to %s by scopes", address, path)
	}
	return nil
}

func (s scopeSet) checkDelete(address, path string) error {
	if err := s.checkArchival(address, path); err != nil {
		return err
	}
	if len(s.deletePaths)+len(s.deletePrefixes) > 0 && !matchAny(path, s.deletePaths, s.deletePrefixes) {
		return validationError("Address %s not authorized to delete from %s by scopes", address, path)
	}
	return nil
}

// parseScopes checks the scopes claim (at most 8, known kinds, a domain)
// and sorts it.
func parseScopes(scopes []gaiaauth.Scope) (scopeSet, error) {
	var s scopeSet
	if len(scopes) > maxScopes {
		return s, validationError("Too many authentication scopes")
	}
	for _, sc := range scopes {
		if sc.Domain == "" {
			return s, validationError("Scope %q has no domain", sc.Scope)
		}
		switch sc.Scope {
		case gaiaauth.ScopePutFile:
			s.writePaths = append(s.writePaths, sc.Domain)
		case gaiaauth.ScopePutFilePrefix:
			s.writePrefixes = append(s.writePrefixes, sc.Domain)
		case gaiaauth.ScopeDeleteFile:
			s.deletePaths = append(s.deletePaths, sc.Domain)
		case gaiaauth.ScopeDeleteFilePrefix:
			s.deletePrefixes = append(s.deletePrefixes, sc.Domain)
		case gaiaauth.ScopePutFileArchival:
			s.archivalPaths = append(s.archivalPaths, sc.Domain)
		case gaiaauth.ScopePutFileArchivalPrefix:
			s.archivalPrefix = append(s.archivalPrefix, sc.Domain)
		default:
			return s, validationError("Unrecognized scope %s", sc.Scope)
		}
	}
	return s, nil
}

// authenticator checks Authorization headers for one hub.
type authenticator struct {
	serverName    string
	challenges    []string
	requireHubURL bool
	validHubURLs  []string
	allowLegacy   bool
	now           func() time.Time
	// parser reads ES256K tokens only; the claims are checked by hand
	// (authenticateV1), not by the jwt library.
	parser *jwt.Parser
}

func newAuthenticator(cfg Config) *authenticator {
	urls := slices.Clone(cfg.ValidHubURLs)
	if own := "https://" + cfg.ServerName; !slices.Contains(urls, own) {
		urls = append(urls, own)
	}
	return &authenticator{
		serverName:    cfg.ServerName,
		challenges:    gaiaauth.AcceptedChallenges(cfg.ServerName),
		requireHubURL: cfg.RequireCorrectHubURL,
		validHubURLs:  urls,
		allowLegacy:   cfg.AllowLegacyTokens,
		now:           cfg.Now,
		parser:        gaiaauth.NewParser(jwt.WithValidMethods([]string{"ES256K"}), jwt.WithoutClaimsValidation()),
	}
}

// authenticate checks an Authorization header for writing to address's
// bucket, oldestValid being the bucket's revocation timestamp (0: none). It
// returns what the token allows or a 401 *HubError.
func (a *authenticator) authenticate(header, address string, oldestValid int64) (*grant, error) {
	if len(header) < len("bearer ") || !strings.EqualFold(header[:len("bearer ")], "bearer ") {
		return nil, validationError("Failed to parse authentication header.")
	}
	part := header[len("bearer "):]
	version, token, isV1 := strings.Cut(part, ":")
	if !isV1 {
		return a.authenticateLegacy(part, address, oldestValid)
	}
	if version != "v1" {
		return nil, validationError("Unknown authentication header version: %s", truncate(version))
	}
	return a.authenticateV1(token, address, oldestValid)
}

// authenticateV1 runs the reference hub's checks in its order (B.4): decode
// and scopes, revocation, address, hub URL, signature, challenge, expiry,
// association token. The pre-signature checks run in the key function so
// that the jwt library verifies the signature only for a plausible token.
func (a *authenticator) authenticateV1(token, address string, oldestValid int64) (*grant, error) {
	var claims gaiaauth.TokenClaims
	var scopes scopeSet
	_, err := a.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) {
		if claims.Iss == "" {
			return nil, validationError("Must provide `iss` claim in JWT.")
		}
		var err error
		if scopes, err = parseScopes(claims.Scopes); err != nil {
			return nil, err
		}
		if oldestValid > 0 {
			if claims.IssuedAt == nil || claims.IssuedAt.Unix() <= 0 {
				return nil, timestampError("Gaia bucket requires auth token issued after %d but this token has no creation timestamp. This token may have been revoked by the user.", oldestValid)
			}
			if iat := claims.IssuedAt.Unix(); iat < oldestValid {
				return nil, timestampError("Gaia bucket requires auth token issued after %d but this token was issued %d. This token may have been revoked by the user.", oldestValid, iat)
			}
		}
		pub, issAddr, err := parseIss(claims.Iss)
		if err != nil {
			return nil, err
		}
		if issAddr != address {
			return nil, validationError("Address not allowed to write on this path")
		}
		if a.requireHubURL {
			hub := strings.TrimSuffix(claims.HubURL, "/")
			if hub == "" {
				return nil, validationError("Authentication must provide a claimed hub. You may need to update stacks.js.")
			}
			if !slices.Contains(a.validHubURLs, hub) {
				return nil, validationError("Auth token's claimed hub url '%s' not found in this hubs set: %q", truncate(hub), a.validHubURLs)
			}
		}
		return pub, nil
	})
	if err != nil {
		var he *HubError
		if errors.As(err, &he) {
			return nil, he
		}
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			return nil, validationError("Failed to verify supplied authentication JWT")
		}
		return nil, validationError("Failed to decode authentication JWT")
	}
	if !slices.Contains(a.challenges, claims.GaiaChallenge) {
		return nil, validationError("Invalid gaiaChallenge text in supplied JWT: %q not found in %q", truncate(claims.GaiaChallenge), a.challenges)
	}
	if claims.ExpiresAt != nil && !a.now().Before(claims.ExpiresAt.Time) {
		return nil, validationError("Expired authentication token: expire time of %d (secs since epoch)", claims.ExpiresAt.Unix())
	}
	g := &grant{signer: address, scopes: scopes}
	if claims.AssociationToken != "" {
		if g.signer, err = a.checkAssociation(claims.AssociationToken, address); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// checkAssociation verifies an association token that vouches for the
// bearer's key and returns its issuer's address (B.6).
func (a *authenticator) checkAssociation(token, bearerAddress string) (string, error) {
	var claims gaiaauth.TokenClaims
	var issAddr string
	_, err := a.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) {
		switch {
		case claims.Iss == "":
			return nil, validationError("Must provide `iss` claim in association JWT.")
		case claims.ChildToAssociate == "":
			return nil, validationError("Must provide `childToAssociate` claim in association JWT.")
		case claims.ExpiresAt == nil:
			return nil, validationError("Must provide `exp` claim in association JWT.")
		}
		pub, addr, err := parseIss(claims.Iss)
		issAddr = addr
		return pub, err
	})
	if err != nil {
		var he *HubError
		if errors.As(err, &he) {
			return "", he
		}
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			return "", validationError("Failed to verify association JWT: invalid issuer")
		}
		return "", validationError("Failed to decode association token in JWT")
	}
	if !a.now().Before(claims.ExpiresAt.Time) {
		return "", validationError("Expired association token: expire time of %d (secs since epoch)", claims.ExpiresAt.Unix())
	}
	childAddr, err := gaiaauth.AddressFromPubKeyHex(claims.ChildToAssociate)
	if err != nil || childAddr != bearerAddress {
		return "", validationError("Association token child key %s does not match %s", truncate(claims.ChildToAssociate), bearerAddress)
	}
	return issAddr, nil
}

func parseIss(iss string) (*btcec.PublicKey, string, error) {
	raw, err := hex.DecodeString(iss)
	if err != nil {
		return nil, "", validationError("Invalid `iss` claim: not a hex public key")
	}
	pub, err := btcec.ParsePubKey(raw)
	if err != nil {
		return nil, "", validationError("Invalid `iss` claim: %v", err)
	}
	addr, err := gaiaauth.AddressFromPubKeyHex(iss)
	if err != nil {
		return nil, "", validationError("Invalid `iss` claim: %v", err)
	}
	return pub, addr, nil
}

// authenticateLegacy checks a v0 token: base64 JSON {publickey, signature}
// whose DER signature covers one of the accepted challenge texts. Legacy
// tokens carry no scopes, expiry, issue time or hub URL, so (unlike the
// reference hub) none is accepted where a check needs one: after a
// revoke-all, or where the hub URL is required.
func (a *authenticator) authenticateLegacy(part, address string, oldestValid int64) (*grant, error) {
	switch {
	case !a.allowLegacy:
		return nil, validationError("Legacy (v0) authentication tokens are not accepted by this hub; use a v1 token.")
	case oldestValid > 0:
		return nil, timestampError("Gaia bucket requires auth token issued after %d but legacy (v0) tokens have no creation timestamp. This token may have been revoked by the user.", oldestValid)
	case a.requireHubURL:
		return nil, validationError("Authentication must provide a claimed hub, which legacy (v0) tokens cannot.")
	}
	raw, err := base64.StdEncoding.DecodeString(part)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(part)
	}
	if err != nil {
		return nil, validationError("Failed to parse authentication header.")
	}
	var tok gaiaauth.LegacyToken
	if err := json.Unmarshal(raw, &tok); err != nil {
		return nil, validationError("Failed to parse authentication header.")
	}
	pub, addr, err := parseIss(tok.PublicKey)
	if err != nil {
		return nil, err
	}
	if addr != address {
		return nil, validationError("Address not allowed to write on this path")
	}
	der, err := hex.DecodeString(tok.Signature)
	if err != nil {
		return nil, validationError("Invalid signature or expired authentication token.")
	}
	sig, err := ecdsa.ParseDERSignature(der)
	if err != nil {
		return nil, validationError("Invalid signature or expired authentication token.")
	}
	for _, c := range a.challenges {
		h := sha256.Sum256([]byte(c))
		if sig.Verify(h[:], pub) {
			return &grant{signer: address}, nil
		}
	}
	return nil, validationError("Invalid signature or expired authentication token.")
}
