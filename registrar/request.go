package registrar

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Errors of the registrar's requests; the HTTP server maps each to a
// status code, and callers branch on them with errors.Is.
var (
	// ErrInvalid: the request is malformed (name, address, zone file).
	ErrInvalid = errors.New("invalid request")
	// ErrBadSignature: the request is not signed by the key it must be.
	ErrBadSignature = errors.New("bad signature")
	// ErrTaken: the subdomain is registered, or its registration queued.
	ErrTaken = errors.New("subdomain taken")
	// ErrUnknown: the subdomain does not exist (on chain or queued).
	ErrUnknown = errors.New("no such subdomain")
	// ErrSequence: the record's seqn is not the current one + 1.
	ErrSequence = errors.New("wrong sequence number")
	// ErrTooLarge: the record does not fit in a zone file.
	ErrTooLarge = errors.New("record too large for a zone file")
	// ErrQueueFull: too many requests are pending; try later.
	ErrQueueFull = errors.New("queue full")
	// ErrRateLimited: this client sent too many requests; try later.
	ErrRateLimited = errors.New("rate limited")
)

// RegisterRequest is the body of POST /register: v1's registrar request
// (name, owner_address, zonefile) plus a signature by the owner.
//
// Signature is a subdomain record signature, in v1's format (base64 of
// a scriptSig: <64-byte r‖s> <public key> for a P2PKH owner, OP_0 <sigs>
// <redeem script> for a P2SH multisig one), over SHA-256 of the signing
// text of the record the registration creates, named by its
// fully-qualified name:
//
//	alice.foo.id,owner=<owner>,seqn=0,parts=<k>,zf0=<base64 piece>,...
//
// (zonefile.Subdomain.SigningText, '=' in values escaped as "\=").
// subdomains.Sign makes it and subdomains.Verify checks it, so every
// owner a subdomain may have can sign, and nothing new is needed to check
// it. The fully-qualified name binds the signature to this domain; in the
// domain's own zone file the same record is named by its label, so this
// signature can never pass for a record's. A replay queues nothing new:
// the name is then taken.
type RegisterRequest struct {
	// Name is the label ("alice") or the fully-qualified name
	// ("alice.foo.id").
	Name         string `json:"name"`
	OwnerAddress string `json:"owner_address"`
	// Zonefile is the subdomain's own zone file ("" for none).
	Zonefile  string `json:"zonefile"`
	Signature string `json:"signature"`
}

// RecordRequest is the body of POST /update and POST /transfer: the
// subdomain record itself, seqn one past the current one, signed as a
// record in the domain's zone file (named by its label) by the current
// owner (subdomains.Sign): the registrar carries it as it is.
type RecordRequest struct {
	Name         string `json:"name"`
	OwnerAddress string `json:"owner_address"`
	Sequence     uint64 `json:"sequence"`
	Zonefile     string `json:"zonefile"`
	Signature    string `json:"signature"`
}

// SplitName reads a label or a fully-qualified name of domain, and
// returns both.
func SplitName(name, domain string) (label, fqn string, err error) {
	if lower := strings.ToLower(name); lower != name {
		// Signatures cover the name as written, so the registrar cannot
		// fold the case for the client: say what to send instead.
		return "", "", fmt.Errorf("%w: %q: names are lower case (%q)", ErrInvalid, name, lower)
	}
	label = strings.TrimSuffix(name, "."+domain)
	if label == "" || strings.Contains(label, ".") {
		return "", "", fmt.Errorf("%w: %q is not a subdomain of %s", ErrInvalid, name, domain)
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		// v1's subdomain label alphabet (subdomains.qualify).
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '+') {
			return "", "", fmt.Errorf("%w: %q: a label is made of a-z, 0-9, '-', '_' and '+'", ErrInvalid, name)
		}
	}
	fqn = label + "." + domain
	// The record name must print and read back as itself, and must not
	// be one of the registrar's own records.
	if _, err := (zonefile.Subdomain{Name: label, Owner: "x"}).Record(); err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := bns.ValidName(domain); err != nil {
		return "", "", fmt.Errorf("%w: domain: %v", ErrInvalid, err)
	}
	return label, fqn, nil
}

// registrationRecord is the record a registration signs (see
// RegisterRequest).
func registrationRecord(fqn, owner string, zf []byte) zonefile.Subdomain {
	return zonefile.Subdomain{Name: fqn, Owner: owner, Seq: 0, ZoneFile: zf}
}

// SignRegistration returns a registration of fqn to key's address,
// signed by key.
func SignRegistration(fqn string, owner string, zf []byte, key subdomains.Key) (RegisterRequest, error) {
	sd, err := subdomains.Sign(registrationRecord(fqn, owner, zf), key)
	if err != nil {
		return RegisterRequest{}, fmt.Errorf("registrar: sign the registration of %s: %w", fqn, err)
	}
	return RegisterRequest{Name: fqn, OwnerAddress: owner, Zonefile: string(zf), Signature: sd.Sig}, nil
}

// SignRecord returns the record request that sets fqn's owner and zone
// file at seqn seq, signed by key, the current owner's.
func SignRecord(fqn, owner string, seq uint64, zf []byte, key subdomains.Key) (RecordRequest, error) {
	label, _, _ := strings.Cut(fqn, ".")
	sd, err := subdomains.Sign(zonefile.Subdomain{Name: label, Owner: owner, Seq: seq, ZoneFile: zf}, key)
	if err != nil {
		return RecordRequest{}, fmt.Errorf("registrar: sign the record of %s: %w", fqn, err)
	}
	return RecordRequest{Name: fqn, OwnerAddress: owner, Sequence: seq, Zonefile: string(zf), Signature: sd.Sig}, nil
}

// verifyRegistration checks a registration's signature against its
// owner address.
func verifyRegistration(fqn string, req RegisterRequest) error {
	sd := registrationRecord(fqn, req.OwnerAddress, []byte(req.Zonefile))
	sd.Sig = req.Signature
	if err := subdomains.Verify(sd, req.OwnerAddress); err != nil {
		if errors.Is(err, subdomains.ErrBadAddress) {
			return fmt.Errorf("%w: owner: %v", ErrInvalid, err)
		}
		return fmt.Errorf("%w: registration of %s: %v", ErrBadSignature, fqn, err)
	}
	return nil
}

// verifyRecord checks a record's signature against the current owner.
func verifyRecord(label, currentOwner string, req RecordRequest) error {
	sd := zonefile.Subdomain{Name: label, Owner: req.OwnerAddress, Seq: req.Sequence, ZoneFile: []byte(req.Zonefile), Sig: req.Signature}
	if err := subdomains.Verify(sd, currentOwner); err != nil {
		return fmt.Errorf("%w: record of %s must be signed by the current owner %s: %v", ErrBadSignature, label, currentOwner, err)
	}
	return nil
}
