package gaia

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/internal/keylock"
)

// Config configures a Hub. Zero values take the reference hub's defaults,
// except where a field says otherwise (the hardening of issue 22: legacy
// tokens refused, reads sandboxed, uploads bounded per address).
type Config struct {
	// ServerName goes into the challenge text (default "gaia-0").
	ServerName string
	// ReadURL is the read_url_prefix clients read files from, ending in "/"
	// (one is added). Required. To use this hub's own read endpoint, set it
	// to the hub's public URL followed by ReadPath.
	ReadURL string
	// ReadPath is where this hub serves reads (default "/read/").
	ReadPath string
	// Whitelist, if not nil, lists the only signer addresses allowed to
	// write (an association token's issuer counts as the signer); an
	// empty list lets nobody write, as in the reference hub.
	Whitelist []string
	// RequireCorrectHubURL makes tokens name this hub in hubUrl, one of
	// ValidHubURLs or "https://"+ServerName.
	RequireCorrectHubURL bool
	ValidHubURLs         []string
	// PageSize is the list-files page size (default 100, at most 4096).
	PageSize int
	// CacheControl is sent with reads (default "no-cache").
	CacheControl string
	// MaxFileUploadSizeMB caps a stored file, in MiB (default 20, at least 0.1).
	MaxFileUploadSizeMB float64
	// Logger receives server errors at ERROR, refused requests at DEBUG and
	// the access log, one "gaia request" line per request, at DEBUG
	// (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock for token expiry (default time.Now).
	Now func() time.Time
	// MaxUploadsPerAddress bounds the stores in flight to one bucket
	// (default 32); past it a store is answered 429. A store's body is read
	// whole (in memory, or in a temporary file in os.TempDir, so $TMPDIR,
	// see readBody) before any lock is taken, so a slow upload holds only
	// its own bucket's slot. Serve the hub with a server ReadTimeout (as
	// internal/httpserve does): that is what bounds a body's time.
	MaxUploadsPerAddress int
	// AllowLegacyTokens accepts legacy v0 tokens, which carry no issue
	// time, scopes or hub URL. Off by default, unlike the reference hub:
	// v1 tokens have been what clients send since 2019. Even when allowed,
	// a v0 token cannot write to a bucket that has had a revoke-all, nor
	// to a hub with RequireCorrectHubURL.
	AllowLegacyTokens bool
	// AllowActiveContent serves reads without "Content-Security-Policy:
	// sandbox". By default every read carries it, so a file stored as
	// text/html or SVG cannot run script with the hub's origin (the
	// reference hub serves such files as they are).
	AllowActiveContent bool
	// MaxBucketSizeMB, when > 0, is each bucket's quota in MiB: a store
	// that would take a bucket past it is answered 413
	// PayloadTooLargeError, as a file over MaxFileUploadSizeMB is. Every
	// file counts, history copies included. See usage.go for how the
	// usage is counted, and docs/gaia.md for what it means when several
	// hubs share one bucket. 0: no quota.
	MaxBucketSizeMB float64
	// MaxWritesPerMinute, when > 0, limits the stores and deletes of each
	// address (the bucket written to) to that many a minute on average,
	// after a burst of WriteBurst (default MaxWritesPerMinute); past it a
	// write is answered 429 with Retry-After. 0: no limit.
	MaxWritesPerMinute int
	WriteBurst         int
	// Metrics, if set, receives the hub's Prometheus metrics
	// (docs/metrics.md), labelled with DriverName ("disk", "aws", ...);
	// nil: none are kept.
	Metrics    prometheus.Registerer
	DriverName string
}

const (
	defaultServerName = "gaia-0"
	maxJSONBody       = 4096
	maxContentType    = 1024
	maxPageSize       = 4096
	lockStripes       = 4096
	// maxRevocationSkew is how far in the future revoke-all may set a
	// bucket's oldest valid token time: enough for a client's clock to be
	// ahead, too little to lock the owner out for long.
	maxRevocationSkew = 5 * time.Minute
)

// Hub is the Gaia hub HTTP handler.
type Hub struct {
	driver      Driver
	cfg         Config
	maxBytes    int64
	auth        *authenticator
	revs        *revocations
	uploads     *uploads
	spoolMemory *memoryBudget
	// locks queues this process's read-check-write sequences on one path
	// (archival copy then write, revocation raise). Where the reference hub
	// answers 409 to a second operation in flight on the same path, this
	// hub queues it, so that If-Match gives the loser a 412 instead of a
	// spurious conflict. It orders nothing across processes: the
	// preconditions themselves are the driver's conditional writes.
	locks     *keylock.Set
	quotas    *quotas                         // nil without MaxBucketSizeMB
	writes    *writeLimiter                   // nil without MaxWritesPerMinute
	whitelist atomic.Pointer[map[string]bool] // nil: everyone may write; set by the admin API
	log       *slog.Logger
	metrics   *hubMetrics // nil: no metrics
}

// New checks cfg and makes a hub storing through d.
func New(d Driver, cfg Config) (*Hub, error) {
	if d == nil {
		return nil, errors.New("gaia: no driver")
	}
	if cfg.ServerName == "" {
		cfg.ServerName = defaultServerName
	}
	if cfg.ReadURL == "" {
		return nil, errors.New("gaia: ReadURL is required")
	}
	if !strings.HasSuffix(cfg.ReadURL, "/") {
		cfg.ReadURL += "/"
	}
	if cfg.ReadPath == "" {
		cfg.ReadPath = "/read/"
	}
	if !strings.HasPrefix(cfg.ReadPath, "/") || !strings.HasSuffix(cfg.ReadPath, "/") || len(cfg.ReadPath) < 3 {
		return nil, fmt.Errorf("gaia: ReadPath %q must be /<name>/", cfg.ReadPath)
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 100
	}
	if cfg.PageSize < 1 || cfg.PageSize > maxPageSize {
		return nil, fmt.Errorf("gaia: PageSize %d not in 1..%d", cfg.PageSize, maxPageSize)
	}
	if cfg.CacheControl == "" {
		cfg.CacheControl = "no-cache"
	}
	if cfg.MaxFileUploadSizeMB == 0 {
		cfg.MaxFileUploadSizeMB = 20
	}
	if cfg.MaxFileUploadSizeMB < 0.1 || cfg.MaxFileUploadSizeMB > 1<<20 || math.IsNaN(cfg.MaxFileUploadSizeMB) {
		return nil, fmt.Errorf("gaia: MaxFileUploadSizeMB %v not in 0.1..%d", cfg.MaxFileUploadSizeMB, 1<<20)
	}
	if cfg.MaxUploadsPerAddress == 0 {
		cfg.MaxUploadsPerAddress = 32
	}
	if cfg.MaxUploadsPerAddress < 1 {
		return nil, fmt.Errorf("gaia: MaxUploadsPerAddress %d < 1", cfg.MaxUploadsPerAddress)
	}
	if cfg.MaxBucketSizeMB < 0 || cfg.MaxBucketSizeMB > 1<<30 || math.IsNaN(cfg.MaxBucketSizeMB) {
		return nil, fmt.Errorf("gaia: MaxBucketSizeMB %v not in 0..%d", cfg.MaxBucketSizeMB, 1<<30)
	}
	if cfg.MaxWritesPerMinute < 0 || cfg.WriteBurst < 0 {
		return nil, fmt.Errorf("gaia: MaxWritesPerMinute %d and WriteBurst %d must not be negative", cfg.MaxWritesPerMinute, cfg.WriteBurst)
	}
	if cfg.WriteBurst == 0 {
		cfg.WriteBurst = max(cfg.MaxWritesPerMinute, 1)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if c := gaiaauth.ChallengeText(cfg.ServerName); len(c) < 10 {
		return nil, fmt.Errorf("gaia: challenge text %q too short", c)
	}
	h := &Hub{
		driver:      d,
		cfg:         cfg,
		maxBytes:    int64(cfg.MaxFileUploadSizeMB * 1024 * 1024),
		auth:        newAuthenticator(cfg),
		revs:        newRevocations(d),
		uploads:     newUploads(cfg.MaxUploadsPerAddress),
		spoolMemory: &memoryBudget{free: spoolMemory},
		locks:       keylock.New(lockStripes),
		log:         cfg.Logger,
		metrics:     newHubMetrics(cfg.Metrics, cfg.DriverName),
	}
	if cfg.MaxBucketSizeMB > 0 {
		h.quotas = newQuotas(int64(cfg.MaxBucketSizeMB*1024*1024), h.bucketSize, cfg.Now)
	}
	if cfg.MaxWritesPerMinute > 0 {
		h.writes = newWriteLimiter(cfg.MaxWritesPerMinute, cfg.WriteBurst)
	}
	h.SetWhitelist(cfg.Whitelist)
	return h, nil
}

// ReadURLPrefix is the read_url_prefix advertised in /hub_info.
func (h *Hub) ReadURLPrefix() string { return h.cfg.ReadURL }

// MaxUploadBytes is the largest file the hub stores.
func (h *Hub) MaxUploadBytes() int64 { return h.maxBytes }

// CORS as the reference hub's `cors` middleware configures it (B.1).
const (
	corsMethods = "DELETE,POST,GET,OPTIONS,HEAD"
	corsHeaders = "Authorization,Content-Type,If-Match,If-None-Match"
	corsExpose  = "Content-Type,ETag"
	// corsExposeRetry lets a browser app read a 429's Retry-After, which
	// is not a CORS-safelisted response header.
	corsExposeRetry = "Retry-After"
)

// ServeHTTP routes on the raw (still percent-encoded) path. http.ServeMux
// is not used because it cleans paths, redirecting "a/../b" instead of
// refusing it.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	err := h.route(rec, r)
	if err != nil {
		he := asHubError(err)
		h.metrics.failed(rec.op, he)
		rec.errName = he.Name
		writeError(rec, he)
		switch {
		case he.Status >= 500:
			h.log.ErrorContext(r.Context(), "gaia: request failed", "method", r.Method, "path", truncate(r.URL.EscapedPath()), "err", err)
		case he.Err != nil:
			// The client's doing (a body cut short, a timeout, a missing
			// file): at debug level, since clients can make any number.
			h.log.DebugContext(r.Context(), "gaia: request refused", "method", r.Method, "path", truncate(r.URL.EscapedPath()), "err", err)
		}
	}
	h.metrics.observe(rec, time.Since(start))
	// The access log is at DEBUG: one line per request is too many for a
	// hub's default log (a load test once wrote 554 MB of them), and
	// building it costs the hot path nothing unless it is wanted.
	if !h.log.Enabled(r.Context(), slog.LevelDebug) {
		return
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", truncate(r.URL.EscapedPath())),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Int64("req_bytes", max(r.ContentLength, 0)),
		slog.Duration("dur", time.Since(start)),
		slog.String("remote", r.RemoteAddr),
	}
	if rec.errName != "" {
		attrs = append(attrs, slog.String("error", rec.errName))
	}
	h.log.LogAttrs(r.Context(), slog.LevelDebug, "gaia request", attrs...)
}

// route serves r, noting in w which operation it asked for.
func (h *Hub) route(w *recorder, r *http.Request) error {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	p := r.URL.EscapedPath()
	if r.Method == http.MethodOptions { // preflight, on every path
		hd := w.Header()
		hd.Set("Access-Control-Allow-Methods", corsMethods)
		hd.Set("Access-Control-Allow-Headers", corsHeaders)
		hd.Set("Access-Control-Max-Age", "86400")
		hd.Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	method := func(allowed ...string) error {
		for _, m := range allowed {
			if r.Method == m {
				return nil
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", ")+", OPTIONS")
		return &HubError{Status: http.StatusMethodNotAllowed, Name: "MethodNotAllowed", Message: r.Method + " not allowed on " + truncate(p)}
	}
	switch {
	case p == "/hub_info" || p == "/hub_info/":
		w.op = opHubInfo
		if err := method(http.MethodGet, http.MethodHead); err != nil {
			return err
		}
		return h.hubInfo(w)
	case p == "/healthz" || p == "/readyz":
		w.op = opHealth
		if err := method(http.MethodGet, http.MethodHead); err != nil {
			return err
		}
		return h.health(w, r, p == "/readyz")
	case strings.HasPrefix(p, "/store/"):
		w.op = opStore
		if err := method(http.MethodPost); err != nil {
			return err
		}
		return h.store(w, r, strings.TrimPrefix(p, "/store/"))
	case strings.HasPrefix(p, "/delete/"):
		w.op = opDelete
		if err := method(http.MethodDelete); err != nil {
			return err
		}
		return h.delete(w, r, strings.TrimPrefix(p, "/delete/"))
	case strings.HasPrefix(p, "/list-files/"):
		w.op = opListFiles
		if err := method(http.MethodPost); err != nil {
			return err
		}
		return h.listFiles(w, r, strings.TrimPrefix(p, "/list-files/"))
	case strings.HasPrefix(p, "/revoke-all/"):
		w.op = opRevokeAll
		if err := method(http.MethodPost); err != nil {
			return err
		}
		return h.revokeAll(w, r, strings.TrimPrefix(p, "/revoke-all/"))
	case strings.HasPrefix(p, h.cfg.ReadPath):
		w.op = opRead
		if err := method(http.MethodGet, http.MethodHead); err != nil {
			return err
		}
		return h.read(w, r, strings.TrimPrefix(p, h.cfg.ReadPath))
	}
	return &HubError{Status: http.StatusNotFound, Name: "NotFound", Message: "no such endpoint: " + truncate(p)}
}

func (h *Hub) hubInfo(w http.ResponseWriter) error {
	writeJSON(w, http.StatusOK, gaiaauth.HubInfo{
		ChallengeText:     gaiaauth.ChallengeText(h.cfg.ServerName),
		LatestAuthVersion: gaiaauth.LatestAuthVersion,
		MaxUploadMB:       h.cfg.MaxFileUploadSizeMB,
		ReadURLPrefix:     h.cfg.ReadURL,
	})
	return nil
}

// readyTimeout bounds /readyz's look at the driver: a load balancer asks
// often and wants an answer, not a hung request.
const readyTimeout = 2 * time.Second

// health answers /healthz (the hub serves) and, with ready, /readyz (its
// storage answers too: a look-up of an object that does not exist comes
// back, found or not, within readyTimeout).
func (h *Hub) health(w http.ResponseWriter, r *http.Request, ready bool) error {
	if !ready {
		writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if _, err := h.driver.Stat(ctx, "readyz", "probe"); err != nil && !errors.Is(err, ErrNotFound) {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "storage: " + err.Error()})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// authorize runs B.2 steps 1–2: the bucket's revocation timestamp, the
// token, and the whitelist.
func (h *Hub) authorize(r *http.Request, address string) (*grant, error) {
	oldest, err := h.revs.oldest(r.Context(), address)
	if err != nil {
		return nil, err
	}
	g, err := h.auth.authenticate(r.Header.Get("Authorization"), address, oldest)
	if err != nil {
		return nil, err
	}
	if wl := h.whitelist.Load(); wl != nil && !(*wl)[g.signer] {
		return nil, validationError("Address %s not authorized for writes", g.signer)
	}
	return g, nil
}

// store is POST /store/<address>/<path> (B.2). Nothing is written unless
// every check passes and the whole body arrives within the size limit.
//
// The body is read whole before the path lock is taken, so that a slow
// client holds only one of its own bucket's upload slots, never a lock that
// other buckets' paths share. If-Match and If-None-Match: * go to the
// driver as the write's preconditions, so that they hold across hubs that
// share the storage. "If-Match: *" on a missing file creates it, as the
// reference hub does (RFC 9110 would answer 412).
func (h *Hub) store(w http.ResponseWriter, r *http.Request, rest string) error {
	address, path, err := splitBucketPath(rest, false)
	if err != nil {
		return badPathError(err)
	}
	g, err := h.authorize(r, address)
	if err != nil {
		return err
	}
	if err := g.scopes.checkWrite(address, path); err != nil {
		return err
	}
	ifMatch, ifNoneMatch := r.Header.Get("If-Match"), r.Header.Get("If-None-Match")
	if ifMatch != "" && ifNoneMatch != "" {
		return preconditionFailed("Request should not contain both if-match and if-none-match headers", "")
	}
	if ifNoneMatch != "" && ifNoneMatch != "*" {
		return preconditionFailed("Misuse of the if-none-match header. Expected to be * on write requests.", "")
	}
	contentType := r.Header.Get("Content-Type")
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	if len(contentType) > maxContentType {
		return badRequest("Content-Type longer than %d characters", maxContentType)
	}
	if r.ContentLength > h.maxBytes {
		return tooLarge("Max file upload size is %v megabytes. Rejected Content-Length of %.4f megabytes",
			h.cfg.MaxFileUploadSizeMB, float64(r.ContentLength)/(1024*1024))
	}
	if err := h.allowWrite(address); err != nil {
		return err
	}
	release, err := h.uploads.acquire(address)
	if err != nil {
		return err
	}
	defer release()
	body, err := readBody(http.MaxBytesReader(w, r.Body, h.maxBytes), r.ContentLength, h.spoolMemory)
	if err != nil {
		return err
	}
	defer body.Close()

	ctx := r.Context()
	unlock, err := h.locks.Lock(ctx, address+"/"+path)
	if err != nil {
		return err
	}
	defer unlock()
	opts := PutOptions{ContentType: contentType, IfNoneMatch: ifNoneMatch == "*"}
	if ifMatch != "*" {
		opts.IfMatch = ifMatch
	}
	var quota *change
	var oldSize int64
	if h.quotas != nil {
		if quota, err = h.quotas.begin(ctx, address, true); err != nil {
			return err
		}
		defer quota.end()
		cur, err := h.driver.Stat(ctx, address, path)
		switch {
		case err == nil:
			oldSize = cur.Size
		case !errors.Is(err, ErrNotFound):
			return err
		}
		add := body.size - oldSize // an archival store keeps the old size as history
		if g.scopes.archival() {
			add = body.size
		}
		if err := quota.reserve(add); err != nil {
			return err
		}
	}
	var history string
	if g.scopes.archival() {
		if history, err = h.archive(ctx, address, path); err != nil {
			return err
		}
	}
	info, err := h.driver.Put(ctx, address, path, body, opts)
	if quota != nil {
		switch {
		case err == nil && history != "":
			quota.done(body.size)
		case err == nil:
			quota.done(body.size - oldSize)
		}
	}
	if err != nil {
		if history != "" {
			// The current version is still in place: its copy is not history.
			if derr := h.driver.Delete(context.WithoutCancel(ctx), address, history); derr != nil {
				if quota != nil {
					quota.done(oldSize) // the copy stays
				}
				h.log.Warn("gaia: removing the archived copy after a failed write", "bucket", address, "path", history, "err", derr)
			}
		}
		if errors.Is(err, ErrPreconditionFailed) {
			return h.preconditionFailed(ctx, address, path, opts)
		}
		return err
	}
	h.metrics.stored(body.size)
	writeJSON(w, http.StatusAccepted, struct {
		PublicURL string `json:"publicURL"`
		ETag      string `json:"etag"`
	}{h.cfg.ReadURL + address + "/" + path, info.ETag})
	return nil
}

// preconditionFailed is the answer to a store whose precondition the
// driver refused, with the file's current ETag as far as it is known.
func (h *Hub) preconditionFailed(ctx context.Context, address, path string, opts PutOptions) error {
	var current string
	if cur, err := h.driver.Stat(ctx, address, path); err == nil {
		current = cur.ETag
	}
	if opts.IfNoneMatch {
		return preconditionFailed("The entity you are trying to create already exists", current)
	}
	return preconditionFailed("The provided ETag does not match that of the resource on the server", current)
}

// archive copies the current version of path, if any, to a history name
// and returns that name ("" for a first write). It copies rather than
// renames so that the path keeps its acknowledged version until the new
// one replaces it in one atomic Put: readers never find it missing, and a
// crash in between leaves the old version in place (plus a spare copy).
func (h *Hub) archive(ctx context.Context, address, path string) (string, error) {
	cur, err := h.driver.Get(ctx, address, path)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("archive %s/%s: %w", address, path, err)
	}
	defer cur.Body.Close()
	history := historyName(path, h.cfg.Now())
	if _, err := h.driver.Put(ctx, address, history, cur.Body, PutOptions{ContentType: cur.ContentType}); err != nil {
		return "", fmt.Errorf("archive %s/%s: %w", address, path, err)
	}
	return history, nil
}

// delete is DELETE /delete/<address>/<path>: 202 with an empty body. Under
// archival scopes the file is only renamed to a historical name.
func (h *Hub) delete(w http.ResponseWriter, r *http.Request, rest string) error {
	address, path, err := splitBucketPath(rest, false)
	if err != nil {
		return badPathError(err)
	}
	g, err := h.authorize(r, address)
	if err != nil {
		return err
	}
	if err := g.scopes.checkDelete(address, path); err != nil {
		return err
	}
	if err := h.allowWrite(address); err != nil {
		return err
	}
	ctx := r.Context()
	unlock, err := h.locks.Lock(ctx, address+"/"+path)
	if err != nil {
		return err
	}
	defer unlock()
	if g.scopes.archival() {
		// A rename keeps the bytes: the usage does not change.
		err = h.driver.Rename(ctx, address, path, historyName(path, h.cfg.Now()))
	} else {
		err = h.deleteCounted(ctx, address, path)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// deleteCounted deletes a file and, when the bucket's usage is counted,
// takes its size off.
func (h *Hub) deleteCounted(ctx context.Context, address, path string) error {
	if h.quotas == nil {
		return h.driver.Delete(ctx, address, path)
	}
	quota, err := h.quotas.begin(ctx, address, false)
	if err != nil {
		return err
	}
	defer quota.end()
	var size int64
	if quota.counted() {
		cur, err := h.driver.Stat(ctx, address, path)
		if err != nil {
			return err
		}
		size = cur.Size
	}
	if err := h.driver.Delete(ctx, address, path); err != nil {
		return err
	}
	quota.done(-size)
	return nil
}

// allowWrite applies the per-address write rate limit.
func (h *Hub) allowWrite(address string) error {
	if h.writes == nil {
		return nil
	}
	return h.writes.allow(address, h.cfg.Now())
}

// historyName is the archived copy's path (B.2 step 3):
// "<dir>/.history.<unix ms>.<id>.<name>".
func historyName(path string, now time.Time) string {
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	i := strings.LastIndexByte(path, '/') + 1
	return fmt.Sprintf("%s%s%d.%s.%s", path[:i], historyPrefix, now.UnixMilli(), hex.EncodeToString(id), path[i:])
}

// readJSONBody reads a small JSON request body (list-files, revoke-all),
// refusing more than 4096 bytes as the reference hub does.
func readJSONBody(r *http.Request, v any) error {
	if r.ContentLength > maxJSONBody {
		return badRequest("Invalid JSON: too long")
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if len(b) > maxJSONBody {
		return badRequest("Invalid JSON: too long")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil // as express.json leaves an empty body: {}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("Invalid JSON: %v", err)
	}
	return nil
}

// addressOnly parses "<address>" or "<address>/" after an endpoint name.
func addressOnly(rest string) (string, error) {
	a := strings.TrimSuffix(rest, "/")
	if !isAddressLike(a) {
		return "", badPathError(fmt.Errorf("%w: %q is not an address", ErrBadPath, truncate(rest)))
	}
	return a, nil
}

// listFiles is POST /list-files/<address> with {"page", "stat"}.
func (h *Hub) listFiles(w http.ResponseWriter, r *http.Request, rest string) error {
	address, err := addressOnly(rest)
	if err != nil {
		return err
	}
	var req struct {
		Page *string `json:"page"`
		Stat *bool   `json:"stat"`
	}
	if err := readJSONBody(r, &req); err != nil {
		return err
	}
	g, err := h.authorize(r, address)
	if err != nil {
		return err
	}
	opts := ListOptions{Limit: h.cfg.PageSize, Stat: req.Stat != nil && *req.Stat}
	if req.Page != nil {
		opts.Page = *req.Page
	}
	res, err := h.driver.List(r.Context(), address, opts)
	if err != nil {
		return err
	}
	entries := make([]any, 0, len(res.Entries))
	for _, e := range res.Entries {
		if g.scopes.archival() && isHistoryPath(e.Name) {
			continue // archival tokens do not see the history (B.2 step 3)
		}
		if opts.Stat {
			entries = append(entries, statEntry{Name: e.Name, Exists: true, ETag: e.ETag, ContentLength: e.Size,
				ContentType: e.ContentType, LastModifiedDate: e.LastModified.Unix()})
		} else {
			entries = append(entries, e.Name)
		}
	}
	if len(entries) == 0 && res.NextPage != "" {
		entries = append(entries, nil) // "filtered, more pages exist"
	}
	var next *string
	if res.NextPage != "" {
		next = &res.NextPage
	}
	writeJSON(w, http.StatusAccepted, struct {
		Entries []any   `json:"entries"`
		Page    *string `json:"page"`
	}{entries, next})
	return nil
}

type statEntry struct {
	Name             string `json:"name"`
	Exists           bool   `json:"exists"`
	ETag             string `json:"etag"`
	ContentLength    int64  `json:"contentLength"`
	ContentType      string `json:"contentType"`
	LastModifiedDate int64  `json:"lastModifiedDate"`
}

// revokeAll is POST /revoke-all/<address> with {"oldestValidTimestamp"}.
// Unlike the reference hub it refuses already-revoked tokens and tokens
// restricted by scopes (an app's putFile token is no licence to lock its
// user out; the reference hub lets any valid token revoke), and a time more
// than maxRevocationSkew ahead, so that no token can push the timestamp
// into the future and lock the owner out for good.
func (h *Hub) revokeAll(w http.ResponseWriter, r *http.Request, rest string) error {
	address, err := addressOnly(rest)
	if err != nil {
		return err
	}
	var req struct {
		OldestValidTimestamp json.RawMessage `json:"oldestValidTimestamp"`
	}
	if err := readJSONBody(r, &req); err != nil {
		return err
	}
	ts, err := parseTimestamp(req.OldestValidTimestamp)
	if err != nil {
		return err
	}
	if limit := h.cfg.Now().Add(maxRevocationSkew).Unix(); ts > limit {
		return badRequest("oldestValidTimestamp %d is more than %v ahead of this hub's clock", ts, maxRevocationSkew)
	}
	g, err := h.authorize(r, address)
	if err != nil {
		return err
	}
	if g.scopes.restricted() {
		return validationError("Address %s not authorized to revoke tokens: the token is restricted by scopes", address)
	}
	ctx := r.Context()
	unlock, err := h.locks.Lock(ctx, address+authBucketSuffix+"/"+authTimestampFile)
	if err != nil {
		return err
	}
	defer unlock()
	if err := h.revs.raise(ctx, address, ts); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "success"})
	return nil
}

// parseTimestamp reads oldestValidTimestamp as the reference hub does with
// parseInt: a number (fraction dropped) or a decimal string. Missing, null,
// 0 and "" are "missing" there (JavaScript falsiness), and so here.
func parseTimestamp(raw json.RawMessage) (int64, error) {
	missing := badRequest("Invalid JSON: missing oldestValidTimestamp")
	invalid := badRequest("Invalid JSON: oldestValidTimestamp is not a valid integer")
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == `""` || s == "false" {
		return 0, missing
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		s = strings.TrimSpace(str)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<53 {
		return 0, invalid
	}
	if ts := int64(f); ts > 0 {
		return ts, nil
	}
	return 0, missing
}

// read serves GET/HEAD <ReadPath><bucket>/<path> with the stored content
// type, ETag (quoted, as HTTP wants; If-Match accepts either form),
// Last-Modified and Cache-Control; conditional and range requests work when
// the driver's body can seek.
func (h *Hub) read(w http.ResponseWriter, r *http.Request, rest string) error {
	bucket, path, err := splitBucketPath(rest, true)
	if err != nil {
		return badPathError(err)
	}
	obj, err := h.driver.Get(r.Context(), bucket, path)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return &HubError{Status: http.StatusNotFound, Name: "DoesNotExist", Message: "File not found"}
		}
		return err
	}
	defer obj.Body.Close()
	hd := w.Header()
	hd.Set("Access-Control-Expose-Headers", corsExpose)
	hd.Set("Cache-Control", h.cfg.CacheControl)
	hd.Set("Content-Type", obj.ContentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	if !h.cfg.AllowActiveContent {
		// Stored HTML or SVG must not run script with the hub's origin.
		hd.Set("Content-Security-Policy", "sandbox")
	}
	if obj.ETag != "" {
		hd.Set("ETag", QuotedETag(obj.ETag))
	}
	if rs, ok := obj.Body.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", obj.LastModified, rs)
		return nil
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == "*" || ETagsMatch(inm, obj.ETag)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if !obj.LastModified.IsZero() {
		hd.Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
	}
	hd.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := io.Copy(w, obj.Body); err != nil {
		// Headers are gone; all that is left is to log.
		h.log.Warn("gaia: read aborted", "bucket", bucket, "path", path, "err", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types are encoded
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *HubError) {
	if rec, ok := w.(*recorder); ok && rec.status != 0 {
		return // the response has started; nothing can be said now
	}
	// Headers set for a success (ETag, Content-Type of a file) must not
	// describe an error body.
	for _, k := range []string{"ETag", "Last-Modified", "Cache-Control", "Content-Encoding"} {
		w.Header().Del(k)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(e.RetryAfter, 10))
		w.Header().Set("Access-Control-Expose-Headers", corsExposeRetry)
	}
	body := struct {
		Message string `json:"message"`
		Error   string `json:"error,omitempty"`
		ETag    string `json:"etag,omitempty"`
	}{e.Message, e.Name, e.ETag}
	writeJSON(w, e.Status, body)
}

// recorder notes the status and size of a response for the access log and
// the metrics.
type recorder struct {
	http.ResponseWriter
	status  int
	bytes   int64
	errName string
	op      hubOp // what was asked, for the metrics
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
