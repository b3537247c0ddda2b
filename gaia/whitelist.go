package gaia

import "slices"

// SetWhitelist replaces the addresses allowed to write (an association
// token's issuer counts as the signer), at once for every request that
// authorizes after it. Nil: everyone may write; empty but not nil: nobody
// may, as the reference hub reads "whitelist": [].
func (h *Hub) SetWhitelist(addresses []string) {
	if addresses == nil {
		h.whitelist.Store(nil)
		return
	}
	wl := make(map[string]bool, len(addresses))
	for _, a := range addresses {
		wl[a] = true
	}
	h.whitelist.Store(&wl)
}

// Whitelist is the addresses allowed to write, sorted; nil when everyone
// may.
func (h *Hub) Whitelist() []string {
	wl := h.whitelist.Load()
	if wl == nil {
		return nil
	}
	out := make([]string, 0, len(*wl))
	for a := range *wl {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}
