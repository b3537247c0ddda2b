package atlas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// Handler serves the Atlas RPC at Path. The caller runs the HTTP server
// (and its read and write timeouts); the handler bounds request sizes,
// concurrency and each caller's rate.
func (n *Node) Handler() http.Handler { return http.HandlerFunc(n.serveHTTP) }

// caller is who sent a request: key identifies it for rate limits and the
// blacklist; addr is its advertised address when that is believable (on
// the IP the request came from), else "".
type caller struct {
	key, addr string
}

// identify believes an advertised address only on the socket's own IP
// (any loopback address for a loopback socket), so that no one can put
// other hosts' addresses in our peer table by claiming them; v1 took the
// socket IP and assumed its own port.
func identify(remoteAddr, claimed string) caller {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return caller{key: remoteAddr}
	}
	ip := ap.Addr().Unmap()
	c := caller{key: ip.String()}
	if cip, ok := addrIP(claimed); ok && (cip == ip || cip.IsLoopback() && ip.IsLoopback()) {
		c.key, c.addr = claimed, claimed
	}
	return c
}

func (n *Node) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != Path {
		refuse(w, http.StatusNotFound, "no such endpoint: the Atlas RPC is POST "+Path)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, "the Atlas RPC takes POST")
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && ce != "identity" {
		refuse(w, http.StatusUnsupportedMediaType, "Content-Encoding "+ce+" is not accepted")
		return
	}
	// Limits per caller come first and the shared slot last, taken only
	// once the whole body is here: callers that stall cannot hold it.
	ip := ipKey(r.RemoteAddr)
	if !n.open.enter(ip) {
		refuse(w, http.StatusTooManyRequests, fmt.Sprintf("more than %d requests at once from %s", n.cfg.Limits.MaxPerCaller, ip))
		return
	}
	defer n.open.leave(ip)
	body, status, err := n.readBody(w, r)
	if err != nil {
		refuse(w, status, err.Error())
		return
	}
	req, err := decodeRequest(body)
	if err != nil {
		writeReply(w, http.StatusBadRequest, nil, err.Error())
		return
	}
	if !n.ready.Load() && req.Method != methodPing && req.Method != methodGetInfo {
		writeReply(w, http.StatusServiceUnavailable, nil, "starting: the chain view is not read yet")
		return
	}
	c := identify(r.RemoteAddr, req.Peer)
	if n.blacklisted(c.key) {
		writeReply(w, http.StatusForbidden, nil, "blacklisted")
		return
	}
	if !n.limiter.allow(c.key, time.Now()) {
		writeReply(w, http.StatusTooManyRequests, nil, "rate limited")
		return
	}
	select {
	case n.inflight <- struct{}{}:
		defer func() { <-n.inflight }()
	default:
		writeReply(w, http.StatusServiceUnavailable, nil, "overloaded")
		return
	}
	result, err := n.dispatch(r.Context(), c, req)
	if err != nil {
		var be badRequest
		if errors.As(err, &be) {
			writeReply(w, http.StatusBadRequest, nil, err.Error())
			return
		}
		n.log.Error("atlas: serving", "method", req.Method, "caller", c.key, "err", err)
		writeReply(w, http.StatusInternalServerError, nil, "internal error")
		return
	}
	writeReply(w, http.StatusOK, result, "")
}

// readBody reads a request's body within maxRequestBytes and
// Timing.BodyRead; on failure it gives the status to answer (the caller's
// fault: 400, 408 or 413).
func (n *Node) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	// Not every ResponseWriter can set one (tests wrap them); the HTTP
	// server's own read timeout still bounds the read then.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(n.cfg.Timing.BodyRead))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	var tooBig *http.MaxBytesError
	var ne net.Error
	switch {
	case err == nil:
		return body, 0, nil
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request larger than %d bytes", maxRequestBytes)
	case errors.As(err, &ne) && ne.Timeout():
		return nil, http.StatusRequestTimeout, fmt.Errorf("the request body did not arrive within %s", n.cfg.Timing.BodyRead)
	default:
		return nil, http.StatusBadRequest, fmt.Errorf("reading the request: %w", err)
	}
}

// refuse answers a request whose body is not (all) read, closing the
// connection: otherwise the HTTP server would first wait for the rest of
// the body, to keep the connection, as long as the caller stalls it.
func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Connection", "close")
	writeReply(w, status, nil, msg)
}

// badRequest marks an error that is the caller's fault.
type badRequest struct{ error }

func writeReply(w http.ResponseWriter, status int, result any, msg string) {
	rep := reply{Error: msg}
	if result != nil {
		raw, err := json.Marshal(result)
		if err != nil {
			status, rep.Error = http.StatusInternalServerError, "encoding the result: "+err.Error()
		} else {
			rep.Result = raw
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rep)
}

func (n *Node) dispatch(ctx context.Context, c caller, req request) (any, error) {
	params := func(v any) error {
		if err := decodeParams(req.Params, v); err != nil {
			return badRequest{err}
		}
		return nil
	}
	switch req.Method {
	case methodPing:
		if err := params(&struct{}{}); err != nil {
			return nil, err
		}
		return pingResult{Status: "alive", Version: ProtocolVersion}, nil
	case methodGetInfo:
		var p getInfoParams
		if err := params(&p); err != nil {
			return nil, err
		}
		return n.info(ctx, p.Height)
	case methodInventory:
		var p inventoryParams
		if err := params(&p); err != nil {
			return nil, err
		}
		if err := p.check(); err != nil {
			return nil, badRequest{err}
		}
		f := fragment{Offset: p.Offset}
		locked.Do(&n.mu, func() { f.Inv, f.Count = n.have.Slice(p.Offset, p.Count) })
		return f, nil
	case methodGet:
		var p getParams
		if err := params(&p); err != nil {
			return nil, err
		}
		if len(p.Hashes) > MaxGetZonefiles {
			return nil, badRequest{fmt.Errorf("at most %d hashes per call, not %d", MaxGetZonefiles, len(p.Hashes))}
		}
		return n.serveGet(p.Hashes), nil
	case methodPut:
		var p putParams
		if err := params(&p); err != nil {
			return nil, err
		}
		if len(p.Zonefiles) > MaxPutZonefiles {
			return nil, badRequest{fmt.Errorf("at most %d zone files per call, not %d", MaxPutZonefiles, len(p.Zonefiles))}
		}
		covered, err := checkCovered(p.Covered)
		if err != nil {
			return nil, badRequest{err}
		}
		res := n.servePut(ctx, c, p.Zonefiles, covered)
		n.metrics.receive(res.Results)
		return res, nil
	case methodAnnounce:
		var p announceParams
		if err := params(&p); err != nil {
			return nil, err
		}
		if len(p.Ranges) > MaxAnnounceRanges {
			return nil, badRequest{fmt.Errorf("at most %d ranges per announce, not %d", MaxAnnounceRanges, len(p.Ranges))}
		}
		bits := 0
		for _, f := range p.Ranges {
			if err := f.check(); err != nil {
				return nil, badRequest{err}
			}
			bits += f.Count
		}
		if bits > MaxInventoryBits {
			return nil, badRequest{fmt.Errorf("at most %d bits per announce, not %d", MaxInventoryBits, bits)}
		}
		covered, err := checkCovered(p.Covered)
		if err != nil {
			return nil, badRequest{err}
		}
		return announceResult{Push: n.serveAnnounce(c, p.Ranges, covered)}, nil
	case methodExchange:
		if err := params(&struct{}{}); err != nil {
			return nil, err
		}
		return exchangeResult{Peers: n.serveExchange(c)}, nil
	}
	return nil, badRequest{fmt.Errorf("unknown method %q", req.Method)}
}

// info is getinfo: the chain view's tip, and the consensus hash at the
// height the caller asked about, so that it can compare at a height both
// sides have processed.
func (n *Node) info(ctx context.Context, height *int64) (*Info, error) {
	tip, err := n.cfg.Chain.Tip(ctx)
	if err != nil {
		return nil, fmt.Errorf("tip: %w", err)
	}
	info := &Info{Network: n.cfg.Network, Version: ProtocolVersion, NodeID: n.id, LastBlock: tip.Height, Consensus: tip.Consensus}
	if height != nil && *height >= 0 && *height <= tip.Height {
		ch, err := n.cfg.Chain.ConsensusAt(ctx, *height)
		if err == nil {
			info.AtHeight = &BlockID{Height: *height, Consensus: ch}
		} else if !errors.Is(err, ErrUnknownBlock) {
			return nil, fmt.Errorf("consensus at %d: %w", *height, err)
		}
	}
	locked.Do(&n.mu, func() {
		info.ZonefileCount, info.Present = len(n.hashes), n.have.Count()
	})
	return info, nil
}

// serveGet returns the zone files it holds of those asked, each read
// from the store, which checks it against its hash (a corrupt copy is
// moved aside and left out, never served).
func (n *Node) serveGet(hashes []zonefile.Hash) getResult {
	res := getResult{Zonefiles: map[zonefile.Hash][]byte{}}
	for _, h := range hashes {
		data, err := n.cfg.Store.Get(h)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				n.markLost(h) // if we thought we had it
			} else {
				n.log.Error("atlas: reading a zone file to serve", "hash", h, "err", err)
			}
			continue
		}
		res.Zonefiles[h] = data
	}
	return res
}

// servePut stores pushed zone files that the chain names, and gossips the
// new ones on. A peer is never penalised for files our chain does not
// name: its chain view may simply be ahead of ours, so they are kept a
// while in case ours catches up (keepEarly).
func (n *Node) servePut(ctx context.Context, c caller, files [][]byte, covered []string) putResult {
	res := putResult{Results: make([]string, len(files))}
	for i, data := range files {
		if len(data) > zonefile.MaxSize {
			res.Results[i] = putInvalid
			continue
		}
		h, added, err := n.cfg.Store.Put(ctx, data)
		switch {
		case errors.Is(err, store.ErrNotNamed):
			res.Results[i] = putUnnamed
			if c.addr != "" {
				n.keepEarly(h, data, c.addr, covered)
			}
			continue
		case errors.Is(err, zonefile.ErrTooLarge):
			res.Results[i] = putInvalid
			continue
		case err != nil:
			n.log.Error("atlas: storing a pushed zone file", "hash", h, "from", c.key, "err", err)
			res.Results[i] = putFailed
			continue
		}
		res.Results[i] = putPresent
		locked.Do(&n.mu, func() {
			if c.addr != "" && n.peers[c.addr] == nil && !n.bannedLocked(c.addr) {
				n.cands.add(c.addr, c.addr, n.seeds[c.addr])
				wake(n.wakeWalk)
			}
			n.markHaveLocked(h)
			if p := n.peers[c.addr]; c.addr != "" && p != nil && p.neighbour {
				for _, b := range n.index[h] {
					p.inv.Set(b, true)
				}
			}
			if added {
				res.Results[i] = putSaved
				n.gossipLocked(h, c.addr, true, covered)
			}
		})
	}
	return res
}

// serveAnnounce takes note of the bits a peer announces: the files it
// just learned. Those we lack are pulled first, from it or from any
// neighbour that has them; a neighbour's announced bits also go into our
// view of its inventory. Files are pulled only from usable peers in our
// table, so an unknown announcer is checked as a new peer at once, and
// meanwhile (or for good, if its slot is held by a live peer) it is asked
// to push the bytes instead: push reports that.
func (n *Node) serveAnnounce(c caller, ranges []fragment, covered []string) (push bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c.addr == "" {
		// We cannot call it back, but it can push to us.
		return n.lackAnyLocked(ranges)
	}
	if n.bannedLocked(c.addr) {
		return false
	}
	p := n.peers[c.addr]
	if p == nil {
		// It counts us as its neighbour: check it now, so that what it
		// announces next can be pulled from it.
		n.cands.add(c.addr, c.addr, n.seeds[c.addr])
		wake(n.wakeWalk)
	} else {
		n.promoteLocked(p)
	}
	if p == nil || !n.usableLocked(p) {
		// Either it pushes or we pull, not both: the bytes are not kept
		// waiting for a check that may never pass.
		if n.lackAnyLocked(ranges) {
			wake(n.wakeChain) // its chain view may be ahead of ours
			return true
		}
		return false
	}
	now := time.Now()
	lack, ahead := false, false
	for _, f := range ranges {
		if p != nil && p.neighbour {
			p.inv.Write(f.Offset, f.Count, f.Inv, true)
		}
		for i := range f.Count {
			b := f.Offset + i
			if f.Inv[i/8]&(0x80>>(i%8)) == 0 || n.have.Get(b) {
				continue
			}
			// A bit past our inventory names a file our chain view has not
			// read yet: read it now, and keep the bit meanwhile.
			ahead = ahead || b >= len(n.hashes)
			lack = true
			if len(n.announced) < maxAnnounced {
				n.announced = append(n.announced, announcedBit{b, c.addr, now, covered})
			}
		}
	}
	if ahead {
		wake(n.wakeChain)
	}
	if lack {
		wake(n.wakePull)
	}
	return false
}

// lackAnyLocked reports whether ranges set a bit we lack (or one past our
// inventory, which our chain view has not read yet).
func (n *Node) lackAnyLocked(ranges []fragment) bool {
	for _, f := range ranges {
		for i := range f.Count {
			if f.Inv[i/8]&(0x80>>(i%8)) != 0 && !n.have.Get(f.Offset+i) {
				return true
			}
		}
	}
	return false
}

// serveExchange lists up to MaxPeersReply healthy peers that have
// answered us, in random order, and queues the caller as a new peer.
func (n *Node) serveExchange(c caller) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c.addr != "" {
		n.cands.add(c.addr, c.addr, n.seeds[c.addr])
	}
	out := []string{}
	for _, p := range n.peers {
		if p.addr != c.addr && n.usableLocked(p) {
			out = append(out, p.addr)
		}
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:min(len(out), MaxPeersReply)]
}

// blacklisted matches an address, or its host, against the blacklist.
func (n *Node) blacklisted(addr string) bool {
	if n.blacklist[addr] {
		return true
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return n.blacklist[normHost(host)]
}

// normHost canonicalises a bare host the way canonAddr does ("" if it is
// not one).
func normHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
	if h == "localhost" {
		return "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().String()
	}
	if isDNSName(h) {
		return h
	}
	return ""
}
