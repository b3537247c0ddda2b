package registrar

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// maxBody bounds a request body: a record must fit in a 40 KiB zone
// file, and JSON adds little.
const maxBody = 64 << 10

// The v1 registrar's status sentences (subdomain-registrar's
// getSubdomainStatus), kept so that its clients read ours.
const (
	msgQueued     = "Subdomain is queued for update and should be announced within the next few blocks."
	msgPropagated = "Subdomain propagated"
	msgUnknown    = "Subdomain not registered with this registrar"
	msgReceived   = "Your subdomain registration was received, and will be included in the blockchain soon."
)

// NameRecord is GET /v1/names/{fqn} on the registrar: what v1's
// registrar answered for the names it holds (getSubdomainInfo), the
// shape of a node's subdomain record (seqn, which a client needs to sign
// the next record, and domain included). Status is pending_subdomain (queued, no
// transaction yet), submitted_subdomain (its NAME_UPDATE is broadcast,
// last_txid) or registered_subdomain (the node has indexed it). It
// describes the newest request for the name, confirmed or not.
type NameRecord struct {
	Blockchain   string `json:"blockchain"`
	Status       string `json:"status"`
	Address      string `json:"address"`
	Sequence     uint64 `json:"seqn"`
	Domain       string `json:"domain"`
	LastTxid     string `json:"last_txid"`
	Zonefile     string `json:"zonefile"`
	ZonefileHash string `json:"zonefile_hash"`
}

// StatusReply is GET /status/{name} (a label or the fully-qualified
// name): v1's status sentence, with the request's state spelled out.
type StatusReply struct {
	Status   string `json:"status"`
	Name     string `json:"name,omitempty"`
	Kind     Kind   `json:"kind,omitempty"`
	State    State  `json:"state,omitempty"`
	Sequence uint64 `json:"seqn"`
	Txid     string `json:"txid,omitempty"`
	Block    int64  `json:"block,omitempty"`
	Why      string `json:"why,omitempty"`
}

// Accepted is the answer to a queued request (202).
type Accepted struct {
	Status  bool   `json:"status"`
	Message string `json:"message"`
	Name    string `json:"name"`
	ID      int64  `json:"id"`
	State   State  `json:"state"`
}

// errorReply is every error's body; Status is false, as v1's was.
type errorReply struct {
	Status bool   `json:"status"`
	Error  string `json:"error"`
}

// Limits bounds what clients may ask of the HTTP server.
type Limits struct {
	// Rate is how many write requests a second one client IP may make
	// on average, Burst how many at once. Rate 0: no limit.
	Rate  rate.Limit
	Burst int
}

// Handler returns the registrar's HTTP API:
//
//	POST /register            RegisterRequest  → 202 Accepted
//	POST /update, /transfer   RecordRequest    → 202 Accepted
//	GET  /v1/names/{fqn}      NameRecord (the resolver the _resolver record names)
//	GET  /status/{name}       StatusReply
//	GET  /index               {"status": true, "domainName", "queue": {state: count}}
//
// Errors are {"status": false, "error"} with 400 (malformed), 403 (bad
// signature), 404 (unknown name), 409 (taken, wrong seqn), 413 (too
// large), 429 (rate limited) or 503 (queue full).
func (r *Registrar) Handler(l Limits) http.Handler {
	lim := newLimiter(l)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "alive"})
	})
	// Ready once its queue can be read: the requests it takes are kept.
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		if _, err := r.store.Counts(req.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "reason": "the queue: " + err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
	})
	mux.HandleFunc("GET /index", func(w http.ResponseWriter, req *http.Request) {
		counts, err := r.store.Counts(req.Context())
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": true, "domainName": r.cfg.Domain, "queue": counts})
	})
	mux.HandleFunc("POST /register", func(w http.ResponseWriter, req *http.Request) {
		var body RegisterRequest
		client, ok := admit(w, req, lim, &body)
		if !ok {
			return
		}
		e, err := r.Register(req.Context(), body, client)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, Accepted{Status: true, Message: msgReceived, Name: e.Name, ID: e.ID, State: e.State})
	})
	for _, kind := range []Kind{KindUpdate, KindTransfer} {
		mux.HandleFunc("POST /"+string(kind), func(w http.ResponseWriter, req *http.Request) {
			var body RecordRequest
			client, ok := admit(w, req, lim, &body)
			if !ok {
				return
			}
			e, err := r.Submit(req.Context(), kind, body, client)
			if err != nil {
				writeError(w, err)
				return
			}
			writeJSON(w, http.StatusAccepted, Accepted{Status: true, Message: "Your subdomain " + string(kind) + " was received, and will be included in the blockchain soon.",
				Name: e.Name, ID: e.ID, State: e.State})
		})
	}
	mux.HandleFunc("GET /v1/names/{fqn}", func(w http.ResponseWriter, req *http.Request) {
		// Apps in the browser come here from a node's redirect (its
		// answer for a subdomain not on chain yet): a public read.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fqn := strings.ToLower(req.PathValue("fqn"))
		if !strings.HasSuffix(fqn, "."+r.cfg.Domain) {
			writeJSON(w, http.StatusBadRequest, errorReply{Error: "Wrong domain"})
			return
		}
		if _, _, err := SplitName(fqn, r.cfg.Domain); err != nil {
			writeJSON(w, http.StatusBadRequest, errorReply{Error: "Bad name"})
			return
		}
		e, err := r.store.Latest(req.Context(), fqn)
		if errors.Is(err, ErrUnknown) {
			writeJSON(w, http.StatusNotFound, map[string]string{"status": "available"})
			return
		}
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, nameRecord(e, r.cfg.Domain))
	})
	mux.HandleFunc("GET /status/{name}", func(w http.ResponseWriter, req *http.Request) {
		_, fqn, err := SplitName(req.PathValue("name"), r.cfg.Domain)
		if err != nil {
			writeError(w, err)
			return
		}
		e, err := r.store.Latest(req.Context(), fqn)
		if errors.Is(err, ErrUnknown) {
			writeJSON(w, http.StatusNotFound, StatusReply{Status: msgUnknown, Name: fqn})
			return
		}
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, statusReply(e))
	})
	return mux
}

func nameRecord(e Entry, domain string) NameRecord {
	status := "pending_subdomain"
	switch e.State {
	case StateSubmitted:
		status = "submitted_subdomain"
	case StateConfirmed:
		status = "registered_subdomain"
	}
	return NameRecord{Blockchain: "bitcoin", Status: status, Address: e.Owner, Sequence: e.Seq, Domain: domain, LastTxid: e.Txid,
		Zonefile: string(e.ZoneFile), ZonefileHash: zonefile.HashOf(e.ZoneFile).String()}
}

func statusReply(e Entry) StatusReply {
	s := StatusReply{Name: e.Name, Kind: e.Kind, State: e.State, Sequence: e.Seq, Txid: e.Txid, Block: e.Block, Why: e.Why}
	switch e.State {
	case StatePending:
		s.Status = msgQueued
	case StateSubmitted:
		s.Status = fmt.Sprintf("Your subdomain was registered in transaction %s -- it will resolve everywhere once that transaction is in a block and its zone file has spread through Atlas.", e.Txid)
	case StateConfirmed:
		s.Status = msgPropagated
	default:
		s.Status = "Subdomain request failed: " + e.Why
	}
	return s
}

// admit rate-limits a write request and decodes its body into v; it
// writes the error and returns false if either fails.
func admit(w http.ResponseWriter, req *http.Request, lim *limiter, v any) (string, bool) {
	client, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		client = req.RemoteAddr
	}
	if ok, wait := lim.allow(client, time.Now()); !ok {
		// Whole seconds, rounded up: a client that waits this long finds
		// a token.
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		writeError(w, fmt.Errorf("%s: %w", client, ErrRateLimited))
		return "", false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, maxBody)).Decode(v); err != nil {
		writeError(w, fmt.Errorf("%w: body: %v", ErrInvalid, err))
		return "", false
	}
	return client, true
}

// statuses are the answers to the package's errors, first match first;
// Client's Error maps a status back through the same table.
var statuses = []struct {
	err  error
	code int
}{
	{ErrInvalid, http.StatusBadRequest},
	{ErrBadSignature, http.StatusForbidden},
	{ErrUnknown, http.StatusNotFound},
	{ErrTaken, http.StatusConflict},
	{ErrSequence, http.StatusConflict},
	{ErrTooLarge, http.StatusRequestEntityTooLarge},
	{ErrRateLimited, http.StatusTooManyRequests},
	{ErrQueueFull, http.StatusServiceUnavailable},
}

func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	for _, st := range statuses {
		if errors.Is(err, st.err) {
			code = st.code
			break
		}
	}
	writeJSON(w, code, errorReply{Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// maxClients bounds the rate limiter's table: past it, idle clients are
// forgotten, and if none is idle new clients wait.
const maxClients = 10_000

// limiter is a token bucket per client IP.
type limiter struct {
	rate    rate.Limit
	burst   int
	mu      sync.Mutex
	clients map[string]*bucket
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter(l Limits) *limiter {
	if l.Burst < 1 {
		l.Burst = 1
	}
	return &limiter{rate: l.Rate, burst: l.Burst, clients: map[string]*bucket{}}
}

// allow takes a token from client's bucket, or says how long until it
// has one.
func (l *limiter) allow(client string, now time.Time) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[client]
	if b == nil {
		if len(l.clients) >= maxClients {
			// A bucket idle long enough to be full again is the same as
			// a new one: forgetting it loses nothing.
			full := time.Duration(float64(l.burst) / float64(l.rate) * float64(time.Second))
			for k, c := range l.clients {
				if now.Sub(c.seen) > full {
					delete(l.clients, k)
				}
			}
			if len(l.clients) >= maxClients {
				return false, time.Second
			}
		}
		b = &bucket{l: rate.NewLimiter(l.rate, l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	r := b.l.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, wait
	}
	return true, 0
}
