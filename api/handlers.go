package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/internal/c32"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/subdomains"
)

var (
	hashRE = regexp.MustCompile(`^[0-9a-f]{40}$`)
	txidRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "alive", "version": Version})
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	last, ok, err := s.cfg.DB.LastBlock(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	info := map[string]any{
		"server_version":       Version,
		"server_alive":         true,
		"network":              s.cfg.Network.Name,
		"testnet":              s.cfg.Network.Name != bns.MainNet.Name,
		"first_block":          s.cfg.FirstBlock,
		"rule_set":             rules.RuleSet,
		"last_block_processed": nil,
		"consensus":            nil,
		// A devnet shortens the BNS time constants; say which are in force.
		"rules": map[string]any{
			"preorder_expire":         s.cfg.Rules.PreorderExpire,
			"namespace_reveal_expire": s.cfg.Rules.NamespaceRevealExpire,
			"pay_to_creator_blocks":   s.cfg.Rules.PayToCreatorBlocks,
			"grace_period":            s.cfg.Rules.GracePeriod,
			"consensus_window":        s.cfg.Rules.ConsensusWindow,
			"lifetime_multiplier":     s.cfg.Rules.LifetimeMultiplier,
			"max_names_per_owner":     s.cfg.Rules.MaxNamesPerOwner,
		},
		"last_block_seen":    nil,
		"stale":              false,
		"stale_after_blocks": s.cfg.StaleAfter,
	}
	if ok {
		info["last_block_processed"] = last.Height
		info["consensus"] = last.ConsensusHash
	}
	if warning := s.freshness(r, info, last.Height); warning != "" {
		info["stale"] = true
		info["warning"] = warning
	}
	writeJSON(w, http.StatusOK, info)
}

// freshness sets last_block_seen to the chain's tip and says why the node
// is stale: it lags the tip by more than the configured blocks, or cannot
// see it ("" when it is fresh, or follows no chain it can ask).
func (s *Server) freshness(r *http.Request, info map[string]any, indexed int64) string {
	if s.cfg.Chain == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(r.Context(), chainTimeout)
	defer cancel()
	tip, err := s.cfg.Chain.Tip(ctx)
	if err != nil {
		s.cfg.Log.Warn("api: chain tip", "err", err)
		return "The node cannot reach its chain: do not rely on it for fresh information."
	}
	info["last_block_seen"] = tip.Height
	if behind := tip.Height - indexed; behind > s.cfg.StaleAfter {
		return fmt.Sprintf("The node is %d blocks behind the chain tip (more than %d): do not rely on it for fresh information.",
			behind, s.cfg.StaleAfter)
	}
	return ""
}

// lookupName validates the {name} path value and reads its record, with
// the last indexed block (which its status is judged at) as of the same
// commit; it answers the request itself (400/404/500) when it returns nil.
func (s *Server) lookupName(w http.ResponseWriter, r *http.Request) (*namedb.NameRecord, int64) {
	name := r.PathValue("name")
	if err := bns.ValidName(name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, 0
	}
	rec, height, err := s.cfg.DB.CurrentName(r.Context(), name)
	if !s.found(w, r, err, namedb.ErrNotFound, "Name not found") {
		return nil, 0
	}
	return rec, height
}

func (s *Server) name(w http.ResponseWriter, r *http.Request) { s.nameAs(w, r, bitcoinOwner) }

// stacksName is /stacks/v1/names/{name}: /v1/names/{name} with the owner
// in its Stacks form, for apps on @stacks/* 7 (ownerForm).
func (s *Server) stacksName(w http.ResponseWriter, r *http.Request) { s.nameAs(w, r, stacksOwner) }

// An ownerForm writes an owner's address as a kind of client compares it.
// Blockstack Core and blockstack.js compare BNS owners as the Bitcoin
// addresses they are. @stacks/profile 7, which @stacks/storage's getFile
// with a username calls, compares a profile's signer with the name's owner
// in the Stacks (c32) form of the same hash160, always at the mainnet
// single-signature version; such apps set their coreNode to the node's URL
// with /stacks after it, and read the same records with that one change.
type ownerForm func(address string) string

func bitcoinOwner(address string) string { return address }

func stacksOwner(address string) string {
	if a, err := c32.FromBase58(address, c32.MainnetSingleSig); err == nil {
		return a
	}
	return address
}

func (s *Server) nameAs(w http.ResponseWriter, r *http.Request, owner ownerForm) {
	if fqn := r.PathValue("name"); subdomains.IsFQN(fqn) {
		s.subdomain(w, r, fqn, owner)
		return
	}
	rec, height := s.lookupName(w, r)
	if rec == nil {
		return
	}
	state := s.cfg.Rules.NameState(rec.Revoked, rec.ExpireBlock, height)
	out := nameJSON{
		Address:         owner(rec.Address),
		Blockchain:      "bitcoin",
		ExpireBlock:     rec.ExpireBlock,
		GracePeriod:     state == rules.InGrace,
		LastTxid:        rec.Txid,
		RenewalDeadline: s.cfg.Rules.RenewalDeadline(rec.ExpireBlock),
		Status:          state.Status(),
		ZonefileHash:    nullable(rec.ValueHash),
		ExpiryEstimate:  s.clock.Expiry(r.Context(), height, rec.ExpireBlock, s.cfg.Rules.RenewalDeadline(rec.ExpireBlock)),
	}
	if !rec.Revoked && rec.ValueHash != "" && s.cfg.Zonefiles != nil {
		if zf, err := s.cfg.Zonefiles.Get(r.Context(), rec.ValueHash); err == nil {
			text := string(zf)
			out.Zonefile, out.Resolver = &text, resolverIn(text)
		} else if !errors.Is(err, ErrZonefileNotFound) {
			s.internalError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, &out)
}

// nameJSON is /v1/names/{name}'s answer in Blockstack Core's shape: a
// struct rather than a map, whose encoding cost more than the look-up.
type nameJSON struct {
	Address         string  `json:"address"`
	Blockchain      string  `json:"blockchain"`
	ExpireBlock     int64   `json:"expire_block"`
	GracePeriod     bool    `json:"grace_period"`
	LastTxid        string  `json:"last_txid"`
	RenewalDeadline int64   `json:"renewal_deadline"`
	Resolver        *string `json:"resolver"` // the zone file's _resolver URI; null: none
	Status          string  `json:"status"`
	Zonefile        *string `json:"zonefile"`
	ZonefileHash    *string `json:"zonefile_hash"`
	// ExpiryEstimate dates the heights (an extension of /v1).
	ExpiryEstimate *apitypes.ExpiryEstimate `json:"expiry_estimate"`
}

// found reports whether a look-up succeeded (err nil), and otherwise
// answers the request itself: 404 with notFound when err is missing, 500
// for any other error.
func (s *Server) found(w http.ResponseWriter, r *http.Request, err, missing error, notFound string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, missing):
		writeError(w, http.StatusNotFound, notFound)
	default:
		s.internalError(w, r, err)
	}
	return false
}

// nullable is s, or JSON's null for "".
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) nameHistory(w http.ResponseWriter, r *http.Request) {
	if fqn := r.PathValue("name"); subdomains.IsFQN(fqn) {
		s.subdomainHistory(w, r, fqn)
		return
	}
	rec, _ := s.lookupName(w, r)
	if rec == nil {
		return
	}
	hist, err := s.cfg.DB.History(r.Context(), rec.Name)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := newHistoryAnswer(r)
	for _, h := range hist {
		if !out.wants(h.Accepted) {
			continue
		}
		entry := map[string]any{}
		if err := json.Unmarshal(h.Record, &entry); err != nil {
			s.internalError(w, r, fmt.Errorf("history of %s: %w", rec.Name, err))
			return
		}
		entry["opcode"] = h.Op
		entry["txid"] = h.Txid
		entry["vtxindex"] = h.Vtxindex
		entry["block_number"] = h.Block
		entry["accepted"] = h.Accepted
		if h.Reason != "" {
			entry["reason"] = h.Reason
		}
		if h.Code != "" {
			entry["code"] = h.Code
		}
		out.add(h.Block, entry)
	}
	writeJSON(w, http.StatusOK, out.byBlock)
}

// historyAnswer is a history answer: the entries by block number (as JSON
// object keys), the rejected ones only when the request asks for them
// (?rejected=1). Names and subdomains answer in this one shape.
type historyAnswer struct {
	withRejected bool
	byBlock      map[string][]map[string]any
}

func newHistoryAnswer(r *http.Request) *historyAnswer {
	return &historyAnswer{withRejected: r.URL.Query().Get("rejected") == "1", byBlock: map[string][]map[string]any{}}
}

// wants reports whether an entry accepted or not belongs in the answer.
func (a *historyAnswer) wants(accepted bool) bool { return accepted || a.withRejected }

func (a *historyAnswer) add(block int64, entry map[string]any) {
	key := strconv.FormatInt(block, 10)
	a.byBlock[key] = append(a.byBlock[key], entry)
}

func (s *Server) nameZonefile(w http.ResponseWriter, r *http.Request) {
	if fqn := r.PathValue("name"); subdomains.IsFQN(fqn) {
		s.subdomainZonefile(w, r, fqn, "")
		return
	}
	rec, _ := s.lookupName(w, r)
	if rec == nil {
		return
	}
	if rec.Revoked || rec.ValueHash == "" {
		writeError(w, http.StatusNotFound, "No zone file for name")
		return
	}
	s.serveNameZonefile(w, r, rec.ValueHash)
}

func (s *Server) nameZonefileByHash(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if !hashRE.MatchString(hash) {
		writeError(w, http.StatusBadRequest, "Invalid zone file hash: want 40 lowercase hex digits")
		return
	}
	if fqn := r.PathValue("name"); subdomains.IsFQN(fqn) {
		s.subdomainZonefile(w, r, fqn, hash)
		return
	}
	rec, _ := s.lookupName(w, r)
	if rec == nil {
		return
	}
	// Only hashes the name has had on chain.
	hist, err := s.cfg.DB.History(r.Context(), rec.Name)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, h := range hist {
		var st struct {
			ValueHash string `json:"value_hash"`
		}
		if h.Accepted && json.Unmarshal(h.Record, &st) == nil && st.ValueHash == hash {
			s.serveNameZonefile(w, r, hash)
			return
		}
	}
	writeError(w, http.StatusNotFound, "No such zone file for name")
}

func (s *Server) serveNameZonefile(w http.ResponseWriter, r *http.Request, hash string) {
	zf, ok := s.getZonefile(w, r, hash)
	if ok {
		writeJSON(w, http.StatusOK, map[string]string{"zonefile": string(zf)})
	}
}

// getZonefile reads a zone file from the store, answering the request
// itself when it cannot.
func (s *Server) getZonefile(w http.ResponseWriter, r *http.Request, hash string) ([]byte, bool) {
	if s.cfg.Zonefiles == nil {
		writeError(w, http.StatusNotFound, "This node keeps no zone files")
		return nil, false
	}
	zf, err := s.cfg.Zonefiles.Get(r.Context(), hash)
	return zf, s.found(w, r, err, ErrZonefileNotFound, "Zone file not found")
}

func (s *Server) zonefile(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if !hashRE.MatchString(hash) {
		writeError(w, http.StatusBadRequest, "Invalid zone file hash: want 40 lowercase hex digits")
		return
	}
	if zf, ok := s.getZonefile(w, r, hash); ok {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(zf)
	}
}

func (s *Server) putZonefile(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Zonefile    *string `json:"zonefile"`
		ZonefileB64 *string `json:"zonefile_b64"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxBody))
			return
		}
		writeError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
		return
	}
	var data []byte
	switch {
	case req.Zonefile != nil && req.ZonefileB64 == nil:
		data = []byte(*req.Zonefile)
	case req.ZonefileB64 != nil && req.Zonefile == nil:
		var err error
		if data, err = base64.StdEncoding.DecodeString(*req.ZonefileB64); err != nil {
			writeError(w, http.StatusBadRequest, "zonefile_b64 is not base64: "+err.Error())
			return
		}
	default:
		writeError(w, http.StatusBadRequest, `give exactly one of "zonefile" and "zonefile_b64"`)
		return
	}
	if s.cfg.Zonefiles == nil {
		writeError(w, http.StatusServiceUnavailable, "This node keeps no zone files")
		return
	}
	hash, err := s.cfg.Zonefiles.Put(r.Context(), data)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": false, "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": true, "zonefile_hash": hash})
}

// page reads ?page=N (from 0).
func page(w http.ResponseWriter, r *http.Request) (int, bool) {
	p := r.URL.Query().Get("page")
	if p == "" {
		return 0, true
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 1<<20 {
		writeError(w, http.StatusBadRequest, "Invalid page: want a number from 0")
		return 0, false
	}
	return n, true
}

func (s *Server) names(w http.ResponseWriter, r *http.Request) {
	s.listNames(w, r, "")
}

func (s *Server) listNames(w http.ResponseWriter, r *http.Request, namespaceID string) {
	p, ok := page(w, r)
	if !ok {
		return
	}
	names, err := s.cfg.DB.Names(r.Context(), namespaceID, p*pageSize, pageSize)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, names)
}

func (s *Server) namespaces(w http.ResponseWriter, r *http.Request) {
	ids, err := s.cfg.DB.Namespaces(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ids)
}

// lookupNamespace validates {id} and reads the namespace, answering the
// request itself when it returns nil.
func (s *Server) lookupNamespace(w http.ResponseWriter, r *http.Request) *namedb.NamespaceRecord {
	id := r.PathValue("id")
	if err := bns.ValidNamespaceID(id); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil
	}
	ns, err := s.cfg.DB.Namespace(r.Context(), id)
	if !s.found(w, r, err, namedb.ErrNotFound, "Namespace not found") {
		return nil
	}
	return ns
}

func (s *Server) namespace(w http.ResponseWriter, r *http.Request) {
	if ns := s.lookupNamespace(w, r); ns != nil {
		writeJSON(w, http.StatusOK, ns)
	}
}

func (s *Server) namespaceNames(w http.ResponseWriter, r *http.Request) {
	if ns := s.lookupNamespace(w, r); ns != nil {
		s.listNames(w, r, ns.NamespaceID)
	}
}

// namespaceNameCount is /v1/namespaces/{id}/name_count, Blockstack Core's
// count of a namespace's names.
func (s *Server) namespaceNameCount(w http.ResponseWriter, r *http.Request) {
	ns := s.lookupNamespace(w, r)
	if ns == nil {
		return
	}
	n, err := s.cfg.DB.NamespaceNameCount(r.Context(), ns.NamespaceID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apitypes.Count{NamesCount: n})
}

func (s *Server) addressNames(w http.ResponseWriter, r *http.Request) {
	addr := r.PathValue("address")
	if len(addr) < 26 || len(addr) > 90 {
		writeError(w, http.StatusBadRequest, "Invalid address")
		return
	}
	names, err := s.cfg.DB.NamesOf(r.Context(), addr)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if s.cfg.Subdomains != nil {
		subs, err := s.cfg.Subdomains.OwnedBy(r.Context(), addr)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		names = append(names, subs...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"names": names})
}

func price(satoshis int64) map[string]any {
	return map[string]any{"satoshis": satoshis, "units": "BTC", "amount": strconv.FormatInt(satoshis, 10)}
}

func (s *Server) namePrice(w http.ResponseWriter, r *http.Request) {
	fqn := r.PathValue("name")
	name, nsID, err := bns.SplitName(fqn)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ns, err := s.cfg.DB.Namespace(r.Context(), nsID)
	if !s.found(w, r, err, namedb.ErrNotFound, "Namespace not found") {
		return
	}
	p := bns.PriceParams{Coeff: ns.Coeff, Base: ns.Base, Buckets: ns.Buckets,
		NonalphaDiscount: ns.NonalphaDiscount, NoVowelDiscount: ns.NoVowelDiscount}
	writeJSON(w, http.StatusOK, map[string]any{"name_price": price(p.NamePrice(name))})
}

func (s *Server) namespacePrice(w http.ResponseWriter, r *http.Request) {
	p, err := bns.NamespacePrice(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, price(p))
}

func (s *Server) consensus(w http.ResponseWriter, r *http.Request) {
	last, ok, err := s.cfg.DB.LastBlock(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "Nothing indexed yet")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"consensus_hash": last.ConsensusHash, "block_height": last.Height})
}

func (s *Server) nameCount(w http.ResponseWriter, r *http.Request) {
	n, err := s.cfg.DB.NameCount(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"names_count": n})
}

// blockOperations serves a block's name operations in the order of its
// transactions, as /v1/operations/{txid} shows each: the accepted ones
// (with the subject's record after each), and with ?rejected=1 the
// rejected ones too, with why.
func (s *Server) blockOperations(w http.ResponseWriter, r *http.Request) {
	height, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || height < s.cfg.FirstBlock {
		writeError(w, http.StatusBadRequest, "height must be a block number from "+strconv.FormatInt(s.cfg.FirstBlock, 10))
		return
	}
	if _, err := s.cfg.DB.BlockAt(r.Context(), height); !s.found(w, r, err, namedb.ErrNotFound, "Block not indexed") {
		return
	}
	hist, err := s.cfg.DB.BlockHistory(r.Context(), height)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	withRejected := r.URL.Query().Get("rejected") == "1"
	out := []apitypes.Operation{}
	for _, h := range hist {
		if h.Accepted || withRejected {
			out = append(out, apitypes.Operation{Txid: h.Txid, Block: h.Block, Vtxindex: h.Vtxindex,
				Opcode: h.Op, Subject: h.Subject, Accepted: h.Accepted, Code: h.Code, Reason: h.Reason, Record: h.Record})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) operation(w http.ResponseWriter, r *http.Request) {
	txid := r.PathValue("txid")
	if !txidRE.MatchString(txid) {
		writeError(w, http.StatusBadRequest, "Invalid txid: want 64 lowercase hex digits")
		return
	}
	hist, err := s.cfg.DB.TxHistory(r.Context(), txid)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if len(hist) == 0 {
		writeError(w, http.StatusNotFound, "No name operation of that transaction has been indexed")
		return
	}
	h := hist[len(hist)-1]
	writeJSON(w, http.StatusOK, &apitypes.Operation{Txid: h.Txid, Block: h.Block, Vtxindex: h.Vtxindex,
		Opcode: h.Op, Subject: h.Subject, Accepted: h.Accepted, Code: h.Code, Reason: h.Reason, Record: h.Record})
}
