package tlsconf

import (
	"cmp"
	"crypto/tls"
	"net/http"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// newACME is a Server whose certificates autocert obtains from a.DirectoryURL
// for a.Domains on the first handshake that names one, keeps in
// a.CacheDir and renews before they expire.
func newACME(a ACME) (*Server, error) {
	tc, err := ClientConfig(a.CAFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(a.Domains...),
		Cache:      autocert.DirCache(a.CacheDir),
		Email:      a.Email,
		Client: &acme.Client{
			DirectoryURL: cmp.Or(a.DirectoryURL, LetsEncrypt),
			// Each ACME request is bounded; the handshake's context
			// bounds the whole order.
			HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute},
		},
	}
	cfg := m.TLSConfig()
	cfg.MinVersion = tls.VersionTLS12
	return &Server{TLS: cfg, acme: m, Domain: a.Domains[0]}, nil
}
