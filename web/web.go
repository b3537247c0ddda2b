// Package web owns the node's HTML pages, starting with the name explorer
// served at /: search, names (owner, expiry, zone file, profile, history),
// namespaces (price table and rules), addresses, blocks with their name
// operations and consensus hashes, and the node's sync and Atlas status.
//
// The pages are server-rendered with html/template, which escapes
// everything a name's owner controls (zone files, profiles, rejected
// operations' fields); templates and static files are embedded, so the
// pages load nothing from outside the node, and run no script.
//
// It reads through the same read side as the /v1 API (the name database,
// the api.Zonefiles store, Atlas's status) and must not write state.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Atlas is what the pages show of the node's Atlas peer (*atlas.Node).
type Atlas interface {
	Status() atlas.Status
	Peers() []atlas.PeerStatus
}

// Tipper reports the chain's tip, which the node's sync status compares
// with the last indexed block (any chain.Backend).
type Tipper interface {
	Tip(ctx context.Context) (chain.Tip, error)
}

// Config is what the pages read.
type Config struct {
	DB        *namedb.DB
	Zonefiles api.Zonefiles // nil: the node keeps no zone files
	Network   *bns.Network
	Rules     rules.Rules
	Chain     Tipper // nil: the chain's tip is not shown
	// Clock dates expiry heights from the chain's block rate (the API's
	// api.Server.Clock, so that both give the same dates); nil: heights
	// only.
	Clock *api.BlockClock
	Atlas Atlas // nil: the node runs no Atlas peer
	// Subdomains answers subdomain names; nil: the node keeps none.
	Subdomains Subdomains
	// ProfileClient fetches the profiles that names' zone files point to
	// (nil: profiles are not fetched). ProfileClient makes one.
	ProfileClient *http.Client
	// ProfileTimeout bounds a profile fetch (default 3 s): a name page
	// waits for it.
	ProfileTimeout time.Duration
	// Peers are other nodes whose consensus hashes each name page compares
	// with this node's, as second sources for the state its proof is
	// against (none: the page says so).
	Peers []Peer
	Log   *slog.Logger
}

// Subdomains is the node's subdomain index (*subdomains.Indexer).
type Subdomains interface {
	api.Subdomains
	Of(ctx context.Context, domain, after string, limit int) ([]string, error)
}

// Server is the pages' handler.
type Server struct {
	cfg   Config
	mux   *http.ServeMux
	pages map[string]*template.Template
	peers peerCache
}

// New parses the embedded templates and returns the pages' handler.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.ProfileTimeout == 0 {
		cfg.ProfileTimeout = 3 * time.Second
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), pages: pages}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", httpserve.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.home)
	s.mux.HandleFunc("GET /search", s.search)
	s.mux.HandleFunc("GET /name/{name}", s.name)
	s.mux.HandleFunc("GET /namespace/{id}", s.namespace)
	s.mux.HandleFunc("GET /address/{address}", s.address)
	s.mux.HandleFunc("GET /block/{height}", s.block)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
	})
	return s, nil
}

// ServeHTTP sets the headers every page shares: a policy that lets a page
// load only the node's own style sheet, icon and search script, and fetch
// only from the node's own API, so that nothing a name's owner wrote can
// run or phone home even if it slipped past escaping.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"short": func(s string) string {
		if len(s) <= 16 {
			return s
		}
		return s[:8] + "…" + s[len(s)-8:]
	},
	"btc":        btc,
	"subjectURL": subjectURL,
	"date":       date,
}

// date writes an RFC 3339 time as a day and minute, UTC.
func date(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return rfc3339
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// btc writes satoshis as bitcoins, without trailing zeros.
func btc(sats int64) string {
	s := fmt.Sprintf("%d.%08d", sats/1e8, sats%1e8)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// subjectURL is the page of a history entry's subject: a name, a
// namespace, or none for a preorder (its subject is a hash) or a subject
// that is not valid (a rejected operation's).
func subjectURL(op, subject string) string {
	switch {
	case strings.HasSuffix(op, "PREORDER"):
		return ""
	case strings.HasPrefix(op, "NAMESPACE_") && bns.ValidNamespaceID(subject) == nil:
		return "/namespace/" + subject
	case strings.HasPrefix(op, "NAME_") && bns.ValidName(subject) == nil:
		return "/name/" + subject
	}
	return ""
}

// parsePages makes one template per page: the base layout with that
// page's "title" and "content".
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "base" || name == "parts" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		pages[name] = t
	}
	return pages, nil
}

// page is what every template gets: its title, the search box's query,
// and the page's own data.
type page struct {
	Title   string
	Query   string
	Network string
	Data    any
}

// render writes a page whole or, if the template fails, an error page:
// it renders into a buffer first so that a failure never leaves half a
// page behind a 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	var buf bytes.Buffer
	err := s.pages[name].Execute(&buf, page{Title: title, Query: r.URL.Query().Get("q"), Network: s.cfg.Network.Name, Data: data})
	if err != nil {
		// Not the error page: it is a template too.
		s.cfg.Log.Error("web", "path", r.URL.Path, "err", fmt.Errorf("render %s: %w", name, err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows an error page with a message for the reader.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", http.StatusText(status), struct {
		Status int
		Msg    string
	}{status, msg})
}

// internalError reports a failure of the node itself, logging its details
// rather than showing them.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the reader left
	}
	s.cfg.Log.Error("web", "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "The node could not answer; its log says why.")
}
