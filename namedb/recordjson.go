package namedb

import (
	"encoding/json"
	"strconv"
)

// MarshalRecord encodes a record as encoding/json does, byte for byte: the
// form stored in the state tables, the history and the undo log. Name
// records and preorders, written once or twice for every operation, are
// encoded by hand (encoding/json's reflection was a tenth of the indexer's
// CPU with the garbage it left); anything else goes to encoding/json.
func MarshalRecord(v any) ([]byte, error) {
	switch r := v.(type) {
	case *NameRecord:
		return r.appendJSON(make([]byte, 0, 512)), nil
	case *Preorder:
		return r.appendJSON(make([]byte, 0, 384)), nil
	}
	return json.Marshal(v)
}

func (r *NameRecord) appendJSON(b []byte) []byte {
	b = appendField(b, '{', "name", r.Name)
	b = appendField(b, ',', "namespace_id", r.NamespaceID)
	b = appendField(b, ',', "address", r.Address)
	b = appendField(b, ',', "sender", r.Sender)
	b = appendField(b, ',', "value_hash", r.ValueHash)
	b = appendField(b, ',', "preorder_hash", r.PreorderHash)
	b = strconv.AppendInt(append(b, `,"first_registered":`...), r.FirstRegistered, 10)
	b = strconv.AppendInt(append(b, `,"last_renewed":`...), r.LastRenewed, 10)
	b = strconv.AppendInt(append(b, `,"expire_block":`...), r.ExpireBlock, 10)
	b = strconv.AppendBool(append(b, `,"revoked":`...), r.Revoked)
	b = strconv.AppendBool(append(b, `,"imported":`...), r.Imported)
	b = appendField(b, ',', "op", r.Op)
	b = appendField(b, ',', "txid", r.Txid)
	b = strconv.AppendInt(append(b, `,"vtxindex":`...), int64(r.Vtxindex), 10)
	b = strconv.AppendInt(append(b, `,"block_number":`...), r.BlockNumber, 10)
	return append(b, '}')
}

func (p *Preorder) appendJSON(b []byte) []byte {
	b = appendField(b, '{', "preorder_hash", p.PreorderHash)
	b = strconv.AppendBool(append(b, `,"namespace":`...), p.Namespace)
	b = appendField(b, ',', "address", p.Address)
	b = appendField(b, ',', "sender", p.Sender)
	b = strconv.AppendInt(append(b, `,"burn":`...), p.Burn, 10)
	b = appendField(b, ',', "burn_address", p.BurnAddress)
	b = appendField(b, ',', "consensus_hash", p.ConsensusHash)
	b = strconv.AppendInt(append(b, `,"block":`...), p.Block, 10)
	b = appendField(b, ',', "txid", p.Txid)
	b = strconv.AppendInt(append(b, `,"vtxindex":`...), int64(p.Vtxindex), 10)
	return append(b, '}')
}

// appendField appends sep, "key": and the string value as encoding/json
// quotes it.
func appendField(b []byte, sep byte, key, value string) []byte {
	b = append(append(append(b, sep, '"'), key...), '"', ':')
	for i := 0; i < len(value); i++ {
		// encoding/json escapes control characters, quotes, backslashes,
		// <, > and & (HTML-safe), and rewrites invalid UTF-8: leave any
		// such string (or any non-ASCII one) to it.
		if c := value[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(value) // a string always encodes
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), value...), '"')
}
