// Package tlsconf is the one home of how the node's HTTP servers (REST API
// and explorer, hub, registrar, the devnet's sample app) serve TLS: a
// certificate and key from files, reloaded when the files change or when
// asked (KeyPair), or certificates obtained and renewed by ACME
// (autocert); and the plain HTTP handler beside them that answers ACME's
// http-01 challenges and redirects everything else to https (Redirect).
//
// It does not listen or serve: internal/httpserve serves a handler with
// the tls.Config made here, and the commands own the listeners and the
// SIGHUP that calls Server.Reload. Clients trust a private CA by
// ClientConfig's roots. docs/tls.md is the operator's view.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"golang.org/x/crypto/acme/autocert"
)

// LetsEncrypt is the default ACME directory: Let's Encrypt's production
// one.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// Config says how a server serves TLS: not at all (the zero Config),
// from CertFile and KeyFile, or by ACME for ACME.Domains.
type Config struct {
	CertFile, KeyFile string
	ACME              ACME
}

// ACME configures certificates obtained by ACME.
type ACME struct {
	// Domains are the names certificates are requested for; a client
	// asking for another name (by SNI) gets none.
	Domains []string
	// Email is the account's contact, told of expiry problems ("": none).
	Email string
	// CacheDir keeps the account key and the certificates between runs,
	// so that a restart does not ask the CA again (rate limits).
	CacheDir string
	// DirectoryURL is the ACME server's directory ("": LetsEncrypt).
	DirectoryURL string
	// CAFile holds PEM roots trusted, beside the system's, for the ACME
	// server's own HTTPS (a test CA such as Pebble's).
	CAFile string
}

// Enabled says whether c serves TLS.
func (c Config) Enabled() bool {
	return c.CertFile != "" || c.KeyFile != "" || len(c.ACME.Domains) > 0
}

// Check refuses a Config that does not say one clear thing; its errors
// name the command-line flags of docs/tls.md.
func (c Config) Check() error {
	a := c.ACME
	acmeSet := a.Email != "" || a.CacheDir != "" || a.DirectoryURL != "" || a.CAFile != ""
	switch {
	case (c.CertFile != "" || c.KeyFile != "") && (len(a.Domains) > 0 || acmeSet):
		return errors.New("give --tls-cert and --tls-key, or --acme-domain, not both")
	case c.CertFile != "" && c.KeyFile == "":
		return errors.New("--tls-cert needs --tls-key (the certificate's private key file)")
	case c.KeyFile != "" && c.CertFile == "":
		return errors.New("--tls-key needs --tls-cert (the certificate file)")
	case acmeSet && len(a.Domains) == 0:
		return errors.New("the --acme-* flags need --acme-domain NAME (the name to get a certificate for)")
	case len(a.Domains) > 0 && a.CacheDir == "":
		return errors.New("--acme-domain needs --acme-cache DIR (where the account key and certificates are kept between runs)")
	}
	return nil
}

// Server is what a server needs to serve TLS as a Config says.
type Server struct {
	// TLS is the servers' tls.Config; nil when TLS is off.
	TLS  *tls.Config
	keys *KeyPair
	acme *autocert.Manager // nil without ACME
	// Domain is the first ACME domain ("" without ACME): the host of the
	// servers' public URLs.
	Domain string
}

// New makes the Server c describes (Check first); with cert files it reads
// them now, so that a bad pair stops the command before it serves.
func New(c Config, log *slog.Logger) (*Server, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	switch {
	case c.CertFile != "":
		kp, err := LoadKeyPair(c.CertFile, c.KeyFile, log)
		if err != nil {
			return nil, err
		}
		return &Server{TLS: &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: kp.GetCertificate}, keys: kp}, nil
	case len(c.ACME.Domains) > 0:
		return newACME(c.ACME)
	}
	return &Server{}, nil
}

// Reload reads the certificate files again (on SIGHUP); without them it
// does nothing: ACME renews on its own.
func (s *Server) Reload() error {
	if s.keys == nil {
		return nil
	}
	return s.keys.Reload()
}

// Reloads says whether Reload does anything (TLS from files).
func (s *Server) Reloads() bool { return s.keys != nil }

// HTTPHandler is the handler of the plain HTTP listener beside a TLS
// server on httpsPort: ACME's http-01 challenges (with ACME), and a
// redirect to https for everything else.
func (s *Server) HTTPHandler(httpsPort string) http.Handler {
	h := Redirect(httpsPort)
	if s.acme != nil {
		return s.acme.HTTPHandler(h)
	}
	return h
}

// ClientConfig is a client tls.Config that trusts the system's roots and
// those in the PEM file caFile ("": the system's alone): a server with a
// private or test CA.
func ClientConfig(caFile string) (*tls.Config, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if caFile == "" {
		return &tls.Config{RootCAs: pool}, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate in it", caFile)
	}
	return &tls.Config{RootCAs: pool}, nil
}
