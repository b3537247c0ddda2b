package bnsdns

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/miekg/dns"

	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
)

// The key is one ECDSA P-256 key (DNSSEC algorithm 13, RFC 6605) for every
// zone the server answers for, used as a combined signing key (a CSK: the
// SEP flag set, signing every RRset including the DNSKEY set). One key
// because zones come and go with namespaces and the server signs online:
// a key per zone would be a key to store for each namespace anyone
// creates. Its DS differs per zone only by the owner name hashed into it.

// LoadKey reads the DNSSEC key at path (PKCS #8, PEM), creating it (mode
// 0600) when the file does not exist; created says which.
func LoadKey(path string) (key *ecdsa.PrivateKey, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, false, fmt.Errorf("dnssec key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, false, fmt.Errorf("dnssec key: %w", err)
		}
		if err := atomicfile.Create(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
			return nil, false, fmt.Errorf("dnssec key: %w", err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("dnssec key: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, false, fmt.Errorf("dnssec key %s: not a PEM PRIVATE KEY (PKCS #8); move it away to have a new key made", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, false, fmt.Errorf("dnssec key %s: %w", path, err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, false, fmt.Errorf("dnssec key %s: not an ECDSA P-256 key (DNSSEC algorithm 13)", path)
	}
	return key, false, nil
}

// CheckZone reports whether zone ("test", "bns.example.") is a name the
// server can serve as a zone: labels of letters, digits, hyphens and
// underscores (package dns takes any presentation-format text, spaces
// included, as a domain name).
func CheckZone(zone string) error {
	name := dns.Fqdn(zone)
	if _, ok := dns.IsDomainName(name); !ok || name == "." {
		return fmt.Errorf("%q is not a domain name", zone)
	}
	for _, label := range dns.SplitDomainName(name) {
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%q is not a domain name: labels are letters, digits, '-' and '_'", zone)
			}
		}
	}
	return nil
}

// DNSKEY is key's public half at zone's apex: flags 257 (a zone key and a
// secure entry point), algorithm 13.
func DNSKEY(key *ecdsa.PrivateKey, zone string, ttl uint32) *dns.DNSKEY {
	// A key LoadKey or ecdsa.GenerateKey made is valid: no error.
	point, _ := key.PublicKey.Bytes()
	return &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: dns.Fqdn(strings.ToLower(zone)), Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: ttl},
		Flags:     dns.ZONE | dns.SEP,
		Protocol:  3,
		Algorithm: dns.ECDSAP256SHA256,
		PublicKey: base64.StdEncoding.EncodeToString(point[1:]), // X and Y, without SEC 1's 0x04,
	}
}

// DS is the record the parent of zone publishes (or a validating resolver
// is given as its trust anchor) for key: SHA-256 of zone's DNSKEY.
func DS(key *ecdsa.PrivateKey, zone string) *dns.DS {
	return DNSKEY(key, zone, 3600).ToDS(dns.SHA256)
}
