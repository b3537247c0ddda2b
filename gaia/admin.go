package gaia

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/btcsuite/btcd/btcutil/base58"

	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// The admin API is a second handler over the same hub, for a listener of
// its own, guarded by an API key. Its routes and answers are those of the
// reference hub's admin service (stacks-network/gaia, admin/) where that
// service has them: POST /v1/admin/reload, GET and POST
// /v1/admin/whitelist, 403 {"error": "forbidden"}. It adds GET
// /v1/admin/buckets/<address>/usage, a bucket's bytes against its quota.
// The reference service edits the configuration file and restarts the
// hub; here a whitelist set through the API holds at once, and reload
// applies the file's whitelist without a restart.

// AdminConfig configures the admin API.
type AdminConfig struct {
	// Key is the API key, sent as "Authorization: bearer KEY"; at least
	// MinAdminKey bytes.
	Key []byte
	// Reload re-reads the hub's configuration and applies what can change
	// while the hub runs; it returns the settings it applied and those
	// that changed but take a restart.
	Reload func(ctx context.Context) (applied, restart []string, err error)
	// SaveWhitelist, if set, writes a whitelist set through the API where
	// Reload reads it, so that a reload or a restart keeps it.
	SaveWhitelist func(addresses []string) error
	// PerMinute bounds each caller's (remote IP's) requests, before the
	// key is checked, so that guessing it is slow (default 60).
	PerMinute int
	// Now is the clock for that bound (default time.Now).
	Now func() time.Time
}

const (
	// MinAdminKey is the shortest API key taken.
	MinAdminKey = 16
	// maxAdminBody bounds a whitelist: about 28,000 addresses.
	maxAdminBody = 1 << 20
	// maxWhitelist bounds its entries.
	maxWhitelist = 100_000
)

type admin struct {
	h       *Hub
	cfg     AdminConfig
	keySum  [sha256.Size]byte
	callers *writeLimiter
	// changes serialises reloads and whitelist sets, so that the running
	// whitelist is always the one last saved or loaded.
	changes sync.Mutex
}

// AdminHandler is the admin API over h.
func (h *Hub) AdminHandler(cfg AdminConfig) (http.Handler, error) {
	if len(cfg.Key) < MinAdminKey {
		return nil, fmt.Errorf("gaia: admin API key of %d bytes: want at least %d", len(cfg.Key), MinAdminKey)
	}
	if cfg.Reload == nil {
		return nil, errors.New("gaia: admin API: no Reload")
	}
	if cfg.PerMinute == 0 {
		cfg.PerMinute = 60
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l := newWriteLimiter(cfg.PerMinute, cfg.PerMinute)
	l.subject, l.verb = "Caller", "call the admin API"
	return &admin{h: h, cfg: cfg, keySum: sha256.Sum256(cfg.Key), callers: l}, nil
}

func (a *admin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := a.serve(w, r); err != nil {
		he := asHubError(err)
		if he.Status >= 500 {
			a.h.log.ErrorContext(r.Context(), "gaia admin: request failed", "method", r.Method, "path", truncate(r.URL.EscapedPath()), "err", err)
		}
		writeError(w, he)
	}
}

func (a *admin) serve(w http.ResponseWriter, r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if err := a.callers.allow(host, a.cfg.Now()); err != nil {
		return err
	}
	if !a.authorized(r.Header.Get("Authorization")) {
		return &HubError{Status: http.StatusForbidden, Name: "forbidden", Message: "missing or wrong admin API key"}
	}
	p := r.URL.EscapedPath()
	switch {
	case p == "/v1/admin/reload" && r.Method == http.MethodPost:
		var applied, restart []string
		var err error
		locked.Do(&a.changes, func() { applied, restart, err = a.cfg.Reload(r.Context()) })
		if err != nil {
			// The caller holds the key: the cause is theirs to see.
			return &HubError{Status: http.StatusInternalServerError, Name: "ReloadError", Message: "reload: " + err.Error(), Err: err}
		}
		a.h.log.Info("gaia admin: configuration reloaded", "applied", applied, "restart_needed", restart)
		writeJSON(w, http.StatusOK, map[string]any{"result": "OK", "applied": nonNil(applied), "restart_needed": nonNil(restart)})
	case p == "/v1/admin/whitelist" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"config": map[string]any{"whitelist": a.h.Whitelist()}})
	case p == "/v1/admin/whitelist" && r.Method == http.MethodPost:
		return a.setWhitelist(w, r)
	case strings.HasPrefix(p, "/v1/admin/buckets/") && strings.HasSuffix(p, "/usage") && r.Method == http.MethodGet:
		address := strings.TrimSuffix(strings.TrimPrefix(p, "/v1/admin/buckets/"), "/usage")
		if !isAddressLike(address) {
			return badRequest("%q is not a bucket address", truncate(address))
		}
		used, err := a.h.bucketSize(r.Context(), address)
		if err != nil {
			return err
		}
		var quota int64
		if a.h.quotas != nil {
			quota = int64(a.h.cfg.MaxBucketSizeMB * 1024 * 1024)
		}
		writeJSON(w, http.StatusOK, map[string]any{"address": address, "bytes": used, "quota_bytes": quota})
	default:
		return &HubError{Status: http.StatusNotFound, Name: "NotFound", Message: r.Method + " " + truncate(p) + " is not an admin API route"}
	}
	return nil
}

// authorized compares the bearer key with the configured one in constant
// time (of their digests, so that not even the length leaks).
func (a *admin) authorized(header string) bool {
	scheme, key, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(key)))
	return subtle.ConstantTimeCompare(sum[:], a.keySum[:]) == 1
}

// setWhitelist is POST /v1/admin/whitelist: the whole list, a JSON array
// of addresses, as the reference service takes it ([]: nobody may write),
// or null: everyone may.
func (a *admin) setWhitelist(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		return err
	}
	var list []string
	if err := json.Unmarshal(body, &list); err != nil {
		return badRequest("want a JSON array of addresses, or null for everyone: %v", err)
	}
	if len(list) > maxWhitelist {
		return badRequest("%d addresses: at most %d", len(list), maxWhitelist)
	}
	for _, addr := range list {
		if _, version, err := base58.CheckDecode(addr); err != nil || version != 0 || !isAddressLike(addr) {
			return badRequest("%q is not a Gaia address", truncate(addr))
		}
	}
	msg := "Whitelist updated"
	if a.cfg.SaveWhitelist == nil {
		msg += "; not saved (no configuration file, or GAIA_WHITELIST sets the whitelist): a reload or a restart goes back to the configured one"
	}
	locked.Do(&a.changes, func() {
		if a.cfg.SaveWhitelist != nil {
			if err = a.cfg.SaveWhitelist(list); err != nil {
				err = fmt.Errorf("save the whitelist: %w", err)
				return
			}
		}
		a.h.SetWhitelist(list)
	})
	if err != nil {
		return err
	}
	a.h.log.Info("gaia admin: whitelist set", "addresses", len(list), "everyone", list == nil)
	writeJSON(w, http.StatusOK, map[string]string{"message": msg})
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
