// Package api serves the node's REST API, compatible with Blockstack Core's
// /v1 paths and JSON shapes (docs/api.md): names, zone files,
// history, namespaces, addresses, prices, consensus, node status, and zone
// file publishing.
//
// It only reads the name database (whole blocks: each block is one SQLite
// transaction) and hands zone files to the store it is given; it owns no
// state and must not write BNS state.
package api

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

// Version is what /v1/node/ping and /v1/info report.
const Version = "go-blockstack 0.1"

// ErrZonefileNotFound is what a Zonefiles store returns (wrapped) for a
// zone file it does not hold.
var ErrZonefileNotFound = errors.New("zone file not found")

// Zonefiles is the zone file store the API reads and publishes to.
type Zonefiles interface {
	// Get returns the zone file whose hash160 is hash (40 hex digits).
	Get(ctx context.Context, hash string) ([]byte, error)
	// Put stores a zone file if the chain names its hash, returning the
	// hash; any other zone file is refused with an error saying why.
	Put(ctx context.Context, data []byte) (string, error)
}

// Config is what the API serves.
type Config struct {
	DB        *namedb.DB
	Zonefiles Zonefiles // nil: zone files are not served
	// Subdomains answers subdomain names; nil: the node keeps none.
	Subdomains Subdomains
	// Search answers /v1/search; nil: 404, the node keeps no index.
	Search     Searcher
	Network    *bns.Network
	Rules      rules.Rules
	FirstBlock int64
	// Chain is the chain the node follows: /v1/info reports its tip
	// and whether the node lags it, and names' expiry heights get
	// estimated dates from its block rate. nil: neither.
	Chain Chain
	// StaleAfter is how many blocks the node may lag the chain's tip
	// before /v1/info calls it stale; 0 means DefaultStaleAfter.
	StaleAfter int64
	Log        *slog.Logger
	// Metrics, if set, receives the API's Prometheus metrics
	// (docs/metrics.md); nil: none are kept.
	Metrics prometheus.Registerer
}

// DefaultStaleAfter is the lag, in blocks, past which a node is stale
// unless configured otherwise: an hour of Bitcoin blocks, far beyond the
// seconds a node takes to index a new one.
const DefaultStaleAfter = 6

// maxBody bounds request bodies: a zone file is at most 40,960 bytes, a
// little over 54 KiB in base64 inside JSON.
const maxBody = 64 << 10

// pageSize is Blockstack Core's page of names.
const pageSize = 100

// Server is the REST API's handler.
type Server struct {
	cfg     Config
	clock   *BlockClock
	metrics *apiMetrics // nil: no metrics
	mux     *http.ServeMux
	handler http.Handler // mux behind the limits and the compression every endpoint shares
}

// New returns the API handler.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), clock: NewBlockClock(cfg.Chain)}
	routes := s.routes()
	for _, r := range routes {
		s.mux.HandleFunc(r.pattern, r.handler)
	}
	s.metrics = newAPIMetrics(cfg.Metrics, routes)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	s.handler = compress(http.HandlerFunc(s.serve))
	return s
}

// compress gzips responses of 1 KiB or more for clients that accept it:
// below that, compressing cost more CPU than the bytes it saved, on either
// side (a name's record is about 400 bytes), so smaller ones go as they
// are, as most servers do.
var compress = func() func(http.Handler) http.HandlerFunc {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(gzip.BestSpeed), gzhttp.EnableZstd(false))
	if err != nil {
		panic(err) // only for invalid options
	}
	return wrap
}()

// route is one endpoint; routes() is also the source of the OpenAPI
// document, whose paths and answers a test checks against the handlers.
type route struct {
	pattern string // "METHOD /path/{var}"
	summary string
	handler http.HandlerFunc
	answer  schema // of the 200 answer's JSON; nil: the answer is text/plain
}

func (s *Server) routes() []route {
	return []route{
		{"GET /v1/node/ping", "liveness", s.ping, object(map[string]schema{"status": str, "version": str})},
		{"GET /healthz", "liveness: the node serves", s.healthz, object(map[string]schema{"status": str})},
		{"GET /readyz", "readiness: indexed to within the stale threshold of the chain's tip (else 503 with a reason)", s.readyz, readySchema},
		{"GET /v1/info", "node status: last block, consensus hash, rules; the chain's tip and whether the node lags it (stale)", s.info, infoSchema},
		{"GET /v1/names", "names, 100 a page (?page=N)", s.names, nameList},
		{"GET /v1/names/{name}", "a name's record (or a subdomain's), with the _resolver its zone file (a subdomain's: its domain's) names; a subdomain the node does not know: 302 to that resolver's /v1/names/{name}, a registrar that may have it pending", s.name, nameSchema},
		{"GET /stacks/v1/names/{name}", "/v1/names/{name} with the owner's address in its Stacks form (c32, mainnet single-signature version), as @stacks/profile 7 compares it: the coreNode of apps on @stacks/* 7 is the node's URL with /stacks after it", s.stacksName, nameSchema},
		{"GET /v1/names/{name}/history", "a name's operations by block (?rejected=1: also the rejected ones, with why)", s.nameHistory, historySchema},
		{"GET /v1/names/{name}/subdomains", "a domain's subdomains, fully qualified (all of them; ?page=N: 100 a page)", s.nameSubdomains, nameList},
		{"GET /v1/names/{name}/proof", "a name's record and its namespace's as of a block (?height=N; default the last), with proofs against the block's state root and what its consensus hash commits to (503: try again; 410: the node keeps no proofs that old)", s.nameProof, nameProofSchema},
		{"GET /v1/names/{name}/zonefile", "a name's current zone file", s.nameZonefile, zonefileJSON},
		{"GET /v1/names/{name}/zonefile/{hash}", "one of a name's zone files by hash", s.nameZonefileByHash, zonefileJSON},
		{"GET /v1/namespaces", "namespace ids", s.namespaces, nameList},
		{"GET /v1/namespaces/{id}", "a namespace's record", s.namespace, namespaceSchema},
		{"GET /v1/namespaces/{id}/names", "a namespace's names, 100 a page (?page=N)", s.namespaceNames, nameList},
		{"GET /v1/namespaces/{id}/name_count", "how many names a namespace has", s.namespaceNameCount, countSchema},
		{"GET /v1/subdomains", "all subdomains, 100 a page (?page=N)", s.allSubdomains, nameList},
		{"GET /v1/subdomains/{txid}", "the subdomain records a transaction's zone file carried, accepted or not", s.subdomainsOfTx, arrayOf(subdomainOpSchema)},
		{"GET /v1/blockchains/bitcoin/subdomains_count", "how many subdomains exist (as \"names_count\", as Blockstack Core answered)", s.subdomainCount, countSchema},
		{"GET /v1/search", "names and subdomains (and, on a node with --search-profiles, the names in names' verified profiles) that begin with ?query= (from one character) or contain it (from three), any case: exact match first, then prefixes in name order, then the rest as indexed; 20 a page (?page=N, up to 1,000 results); revoked names and names past their grace period left out", s.search, searchSchema},
		{"GET /v1/addresses/bitcoin/{address}", "names an address owns (subdomains too)", s.addressNames, object(map[string]schema{"names": nameList})},
		{"GET /v1/prices/names/{name}", "a name's price", s.namePrice, object(map[string]schema{"name_price": priceSchema})},
		{"GET /v1/prices/namespaces/{id}", "a namespace's price", s.namespacePrice, priceSchema},
		{"GET /v1/blockchains/bitcoin/consensus", "the last block's consensus hash", s.consensus, object(map[string]schema{"consensus_hash": str, "block_height": integer})},
		{"GET /v1/blockchains/bitcoin/blocks/{height}", "what SNV checks of a block: what its consensus hash commits to (block hash, operations hash, state root, earlier consensus hashes), its serialized operations (?operations=0: without them)", s.snvBlock, snvBlockSchema},
		{"GET /v1/blockchains/bitcoin/name_count", "how many names exist", s.nameCount, object(map[string]schema{"names_count": integer})},
		{"GET /v1/zonefiles/{hash}", "a zone file's bytes", s.zonefile, nil},
		{"GET /v1/blockchains/bitcoin/operations/{height}", "a block's name operations in transaction order, each as /v1/operations/{txid} gives it (?rejected=1: the rejected ones too, with why)", s.blockOperations, arrayOf(operationSchema)},
		{"GET /v1/operations/{txid}", "what became of a transaction's name operation: accepted, or rejected and why (an extension of /v1)", s.operation, operationSchema},
		{"POST /v1/zonefile", "publish a zone file whose hash is on chain", s.putZonefile, object(map[string]schema{"status": boolean, "zonefile_hash": str})},
		{"GET /v1/openapi.json", "this API's OpenAPI document", s.openAPI, schema{"type": "object"}},
	}
}

// ServeHTTP serves the API, with the response compression and the
// request limits every endpoint shares.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		// Reads are public: apps on other origins (a sign-in page, the
		// notes app) look names and zone files up from the browser.
		// Publishing a zone file stays same-origin.
		rec.Header().Set("Access-Control-Allow-Origin", "*")
	}
	switch p := r.URL.Path; {
	case r.Method == http.MethodOptions:
		s.preflight(rec, r)
	case p != path.Clean(p) || strings.Contains(r.URL.RawPath, "%2"):
		// The mux would answer with an HTML redirect; say what is wrong.
		writeError(rec, http.StatusBadRequest, "path must be clean: no '..', '//', trailing '/' or encoded separators")
	default:
		s.mux.ServeHTTP(rec, r) // sets r.Pattern to the route's
	}
	s.metrics.observe(r.Pattern, rec.status, time.Since(start))
	if s.cfg.Log.Enabled(r.Context(), slog.LevelDebug) {
		s.cfg.Log.Debug("api", "method", r.Method, "path", r.URL.Path, "status", rec.status, "took", time.Since(start))
	}
}

// preflight answers a CORS preflight: reads of any endpoint are allowed
// from any origin, nothing else is.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	switch r.Header.Get("Access-Control-Request-Method") {
	case http.MethodGet, http.MethodHead:
		w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD")
		w.Header().Set("Access-Control-Allow-Headers", "Accept, Content-Type, If-None-Match")
		w.Header().Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, "only GET and HEAD are allowed from other origins")
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// internalError reports a failure of the node itself without leaking its
// details to the client. A request whose client went away failed for
// that alone (the explorer's search box drops every query it has
// superseded): it is no error of the node's, in the log or the metrics.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		s.cfg.Log.Debug("api: request canceled by the client", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusBadRequest, "request canceled by the client")
		return
	}
	s.cfg.Log.Error("api", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}
