package api

import "net/http"

// healthz answers that the node serves: for a process supervisor.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "alive"})
}

// readyz answers 200 once the node has indexed the chain to within
// StaleAfter blocks of its tip, 503 (saying why) before: for a load
// balancer, which should send lookups only to a node that answers them
// as of now.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	last, ok, err := s.cfg.DB.LastBlock(r.Context())
	switch {
	case err != nil:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "reason": "the name database: " + err.Error()})
		return
	case !ok:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "reason": "nothing indexed yet"})
		return
	}
	info := map[string]any{}
	if warning := s.freshness(r, info, last.Height); warning != "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "reason": warning})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "last_block_processed": last.Height, "last_block_seen": info["last_block_seen"]})
}
