package gaia

import "slices"

// SetWhitelist replaces the addresses allowed to write (an association
// token's issuer counts as the signer), at once for every request that
// authorizes after it. Empty: everyone may write.
func (h *Hub) SetWhitelist(addresses []string) {
	if len(addresses) == 0 {
		h.whitelist.Store(nil)
		return
	}
	wl := make(map[string]bool, len(addresses))
	for _, a := range addresses {
		wl[a] = true
	}
	h.whitelist.Store(&wl)
}

// Whitelist is the addresses allowed to write, sorted; empty when
// everyone may.
func (h *Hub) Whitelist() []string {
	wl := h.whitelist.Load()
	if wl == nil {
		return []string{}
	}
	out := make([]string, 0, len(*wl))
	for a := range *wl {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}
