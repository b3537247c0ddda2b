package tlsconf

import (
	"net"
	"net/http"
)

// Redirect answers every request with a permanent redirect to the same
// host and URL over https on httpsPort (no port in the URL for 443), for
// the plain HTTP listener beside a TLS server. Only GET and HEAD are
// redirected: a client that sent a body over plain HTTP has already
// exposed it, and would send it again; it gets 400 instead.
func Redirect(httpsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "use https", http.StatusBadRequest)
			return
		}
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if httpsPort != "443" {
			host = net.JoinHostPort(host, httpsPort)
		} else if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
			host = "[" + host + "]"
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
}
