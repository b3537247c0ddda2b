package atlas

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// rpcError is a peer's error reply.
type rpcError struct {
	status int
	msg    string
}

func (e *rpcError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.msg) }

// isBusy reports a peer that refused for load (rate limit, overload):
// that says nothing about its honesty, so it costs no health.
func isBusy(err error) bool {
	var e *rpcError
	return errors.As(err, &e) && (e.status == http.StatusTooManyRequests || e.status == http.StatusServiceUnavailable)
}

// call makes one RPC to addr, bounded by timeout and maxReply bytes, and
// decodes its result into result. self is the caller's advertised address.
func call(ctx context.Context, hc *http.Client, self, addr, method string, params, result any, timeout time.Duration, maxReply int64) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("atlas: %s params: %w", method, err)
	}
	body, err := json.Marshal(request{Method: method, Peer: self, Params: raw})
	if err != nil {
		return fmt.Errorf("atlas: %s request: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+Path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("atlas: %s to %s: %w", method, addr, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("atlas: %s to %s: %w", method, addr, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return fmt.Errorf("atlas: %s to %s: reading the reply: %w", method, addr, err)
	}
	if int64(len(data)) > maxReply {
		return fmt.Errorf("atlas: %s to %s: reply larger than %d bytes", method, addr, maxReply)
	}
	var rep reply
	if err := decodeStrict(data, &rep); err != nil {
		return fmt.Errorf("atlas: %s to %s: HTTP %d, bad reply: %w", method, addr, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("atlas: %s to %s: %w", method, addr, &rpcError{resp.StatusCode, rep.Error})
	}
	if result == nil {
		return nil
	}
	if err := decodeStrict(rep.Result, result); err != nil {
		return fmt.Errorf("atlas: %s to %s: bad result: %w", method, addr, err)
	}
	return nil
}

// call calls a peer; slow reports an answer that took more than half of
// its timeout.
func (n *Node) call(ctx context.Context, addr, method string, params, result any, timeout time.Duration, maxReply int64) (slow bool, err error) {
	start := time.Now()
	err = call(ctx, n.hc, n.cfg.Advertise, addr, method, params, result, timeout, maxReply)
	return time.Since(start) > timeout/2, err
}

// ask calls a peer, checks the answer with valid (if not nil) and scores
// the peer's health once: an error, a timeout, an invalid or a slow answer
// counts against it, a busy refusal neither way (the peer is left alone
// for a while instead).
func (n *Node) ask(ctx context.Context, addr, method string, params, result any, timeout time.Duration, maxReply int64, valid func() error) error {
	slow, err := n.call(ctx, addr, method, params, result, timeout, maxReply)
	if err == nil && valid != nil {
		if err = valid(); err != nil {
			err = fmt.Errorf("atlas: %s to %s: %w", method, addr, err)
		}
	}
	switch {
	case ctx.Err() != nil:
		// Our own shutdown, not the peer's fault.
	case isBusy(err):
		n.markBusy(addr)
	default:
		n.record(addr, err == nil && !slow, 1)
	}
	return err
}

// markBusy leaves a table peer that answered "overloaded" alone for a
// second; being busy is not ill health.
func (n *Node) markBusy(addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.peers[addr]; p != nil {
		p.busyUntil = time.Now().Add(time.Second)
	}
}

// record adds weight requests to a table peer's health.
func (n *Node) record(addr string, ok bool, weight int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.peers[addr]; p != nil {
		p.health.record(time.Now(), n.cfg.Timing.HealthWindow, ok, weight)
	}
}

// clientTimeout bounds the exported calls when ctx has no deadline.
const clientTimeout = 30 * time.Second

// GetInfo asks the Atlas node at addr (host:port) for its getinfo.
func GetInfo(ctx context.Context, hc *http.Client, addr string) (*Info, error) {
	var info Info
	if err := call(ctx, hc, "", addr, methodGetInfo, getInfoParams{}, &info, clientTimeout, maxSmallReply); err != nil {
		return nil, err
	}
	return &info, nil
}

// PutZonefiles sends zone files to the Atlas node at addr, as a client
// publishing them does (v1's put_zonefiles); the node stores those its
// chain names and gossips the new ones on. It returns one result per
// file: "saved" (new to that node), "present", "unnamed" (its chain does
// not name the hash, yet), "invalid" (too large) or "failed".
func PutZonefiles(ctx context.Context, hc *http.Client, addr string, files [][]byte) ([]string, error) {
	size := 0
	for _, f := range files {
		size += base64.StdEncoding.EncodedLen(len(f)) + 3
	}
	if len(files) > MaxPutZonefiles || size > maxPutBatch {
		return nil, fmt.Errorf("atlas: put_zonefiles takes at most %d zone files and %d bytes of base64, not %d and %d",
			MaxPutZonefiles, maxPutBatch, len(files), size)
	}
	var res putResult
	if err := call(ctx, hc, "", addr, methodPut, putParams{Zonefiles: files}, &res, clientTimeout, maxSmallReply); err != nil {
		return nil, err
	}
	if len(res.Results) != len(files) {
		return nil, fmt.Errorf("atlas: put_zonefiles to %s: %d results for %d zone files", addr, len(res.Results), len(files))
	}
	return res.Results, nil
}
